import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createApplication } from '../../app.ts';
import { loadConfig } from '../../config/index.ts';
import { UsageError } from '../output.ts';
import { waitForShutdown } from '../shutdown.ts';

interface DevFlags {
  port?: string;
  dataDir?: string;
  json?: boolean;
  config?: string;
}

/** What `roleport dev` prints once ready: one line per service, or one JSON object. */
export interface DevEndpoints {
  issuer: string;
  web: string;
  [service: string]: string;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run everything on loopback for a first look: broker and issuer (data in ./.roleport)')
    .option('--port <port>', 'broker port on 127.0.0.1 (0 picks a free one)', '8080')
    .option('--json', 'print the endpoints as one JSON object')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<DevFlags>();
      const port = await resolvePort(flags.port ?? '8080');
      const listen = `127.0.0.1:${port}`;
      const config = loadConfig({
        file: flags.config,
        overrides: {
          mode: 'development',
          listen,
          issuer: `http://${listen}`,
          dataDir: resolve(flags.dataDir ?? process.env['ROLEPORT_DATA_DIR'] ?? '.roleport'),
          log: { level: process.env['ROLEPORT_LOG_LEVEL'] ?? 'warn' },
        },
      });
      const app = await createApplication(config);
      const url = await app.listen();
      const endpoints: DevEndpoints = { issuer: config.issuer, web: url };
      if (flags.json === true) process.stdout.write(`${JSON.stringify(endpoints)}\n`);
      else {
        process.stdout.write(
          [
            `issuer: ${endpoints.issuer}`,
            `web: ${endpoints.web}`,
            '',
            'Try next:',
            `  curl ${endpoints.issuer}/.well-known/openid-configuration`,
            `  ROLEPORT_DATA_DIR=${config.dataDir} npx roleport token mint --sub user:alice --aud sts.amazonaws.com`,
            `  ROLEPORT_DATA_DIR=${config.dataDir} npx roleport keys list`,
            '',
          ].join('\n'),
        );
      }
      await waitForShutdown(() => app.close());
    });
}

async function resolvePort(value: string): Promise<number> {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${value}: expected a port number 0-65535`);
  if (port !== 0) return port;
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
