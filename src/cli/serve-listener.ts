import type { Application } from '../app.ts';
import { waitForShutdown } from './shutdown.ts';

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
