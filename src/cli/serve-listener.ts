import type { Application } from '../app.ts';
import { UsageError } from './output.ts';
import { waitForShutdown } from './shutdown.ts';

/** `--port`: 0-65535 (0 picks a free one). */
export function parsePort(value: string | undefined): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${value}: expected a port number 0-65535`);
  return port;
}

/**
 * Listens, prints one line once ready (`NAME: URL`, or `{"NAME": URL}` with `--json`) so a
 * supervisor can read it as soon as it appears, and serves until SIGINT/SIGTERM.
 */
export async function serveUntilShutdown(app: Application, name: string, json: boolean): Promise<void> {
  let url: string;
  try {
    url = await app.listen();
  } catch (error) {
    await app.close();
    throw error;
  }
  process.stdout.write(json ? `${JSON.stringify({ [name]: url })}\n` : `${name}: ${url}\n`);
  await waitForShutdown(() => app.close());
}
