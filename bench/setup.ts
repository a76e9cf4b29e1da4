import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ResolvedConfig } from '../src/config/index.ts';

/** What a benchmark worker needs to open the same broker data as the main thread. */
export interface BenchData {
  dataDir: string;
  masterKey: string;
  /** `postgres://…` to use instead of SQLite in the data directory. */
  databaseUrl?: string | undefined;
}

export function createBenchData(): BenchData {
  return { dataDir: mkdtempSync(join(tmpdir(), 'roleport-bench-')), masterKey: randomBytes(32).toString('base64') };
}

/**
 * The configuration every scenario uses: the defaults (RS256, RSA-2048, SQLite in the data
 * directory, log level info) with scheduled rotation off so no key changes mid-run, and
 * nothing read from the environment.
 */
export function benchConfig(data: BenchData, listen?: string): ResolvedConfig {
  return loadConfig({
    env: {},
    overrides: {
      dataDir: data.dataDir,
      masterKey: data.masterKey,
      keys: { rotationIntervalSeconds: 0 },
      ...(data.databaseUrl === undefined ? {} : { databaseUrl: data.databaseUrl }),
      // The load comes from one address at thousands of requests a second, far past any
      // per-address limit a deployment would set; the limiter stays on, so its cost is measured.
      rateLimits: { token: { max: 10_000_000 }, credentials: { max: 10_000_000 } },
      ...(listen === undefined ? {} : { listen, issuer: `http://${listen}` }),
    },
  });
}

/** Runs `step` in batches until `durationMs` has passed, yielding to the event loop between batches. */
export async function runFor(durationMs: number, step: () => void, batch = 16): Promise<{ operations: number; seconds: number }> {
  const started = performance.now();
  const deadline = started + durationMs;
  let operations = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < batch; i++) step();
    operations += batch;
    // Let timers run (the audit writer flushes on one), as they would in a serving broker.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { operations, seconds: (performance.now() - started) / 1000 };
}
