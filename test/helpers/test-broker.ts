import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApplication, type Application } from '../../src/app.ts';
import { loadConfig, type RoleportConfigInput } from '../../src/config/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { freePort } from './ports.ts';

/** Options of `startTestBroker`; every field is optional. */
export interface TestBrokerOptions {
  /** `postgres://…` (e.g. from `testPostgresUrl()`) or `sqlite:PATH`; default: SQLite in the data directory. */
  databaseUrl?: string;
  /** Injected time for expiry and key rotation, e.g. a `ManualClock`. */
  clock?: Clock;
  /**
   * Data directory (master key, SQLite file). Default: a fresh temp directory that `close`
   * removes. Pass the `dataDir` of a closed broker to restart on the same data.
   */
  dataDir?: string;
  /** Port on 127.0.0.1; default: a free one. Pass a closed broker's port to keep its issuer URL. */
  port?: number;
  /** Configuration, as a config file would give it (top-level keys replace the defaults' sections). */
  config?: Partial<RoleportConfigInput>;
  /** Start the key lifecycle timer (default true, as in `roleport serve`). */
  background?: boolean;
}

/** A running broker; `issuer` equals `url`, so tokens it mints verify against its own discovery. */
export interface TestBroker {
  /** `http://127.0.0.1:PORT`, the listening address. */
  url: string;
  /** The issuer URL, as used in `iss` and discovery (same as `url`). */
  issuer: string;
  port: number;
  dataDir: string;
  /** The full application: `app.services` (keys, mintToken, store, …) and `app.http` (Fastify). */
  app: Application;
  /** Closes HTTP and services (flushing the audit log); removes the data directory if the helper created it. */
  close(): Promise<void>;
}

const LISTEN_ATTEMPTS = 3;

/**
 * Starts the real broker (`createApplication`, as `roleport serve` does) on 127.0.0.1 with
 * its data in a temp directory, logging silenced unless `config.log` says otherwise, and
 * without reading `ROLEPORT_*` from the environment.
 *
 * The issuer must equal the listening URL and is fixed when the app is built, so a free
 * port is chosen first; if another process takes it before the bind, the app is rebuilt on
 * another port.
 *
 * @example
 * const broker = await startTestBroker({ clock: new ManualClock() });
 * after(() => broker.close());
 * const { token } = await broker.app.services.mintToken({ subject: 'user:alice', audience: 'sts.amazonaws.com', actor: 'test' });
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'roleport-broker-')));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const url = `http://127.0.0.1:${port}`;
      const config = loadConfig({
        env: {},
        overrides: {
          log: { level: 'silent' },
          ...options.config,
          listen: `127.0.0.1:${port}`,
          issuer: url,
          dataDir,
          databaseUrl: options.databaseUrl,
        },
      });
      const app = await createApplication(config, {
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        background: options.background ?? true,
      });
      try {
        await app.listen();
      } catch (error) {
        await app.close();
        const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (inUse && options.port === undefined && attempt < LISTEN_ATTEMPTS) continue;
        throw error;
      }
      return {
        url,
        issuer: config.issuer,
        port,
        dataDir,
        app,
        async close() {
          await app.close();
          if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
