import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RoleportError, writeFileAtomically } from '../core/index.ts';

/** Where `roleport dev` keeps its demo IdP's port, beside the database it belongs with. */
export const DEMO_IDP_FILE = 'demo-idp.json';

/**
 * The demo IdP's port for this data directory. Users are bound to the IdP's issuer
 * (`http://127.0.0.1:PORT`) at their first sign-in, so a demo IdP on another port after a
 * restart would lock every demo user out ("belongs to another identity at the IdP"). The
 * port chosen at the first start — `preferred`, else a free one — is recorded in the data
 * directory and reused by every later start. A recorded port that is taken is an error naming
 * the way out, never a silent new issuer.
 */
export async function demoIdpPort(dataDir: string, preferred: number | undefined): Promise<number> {
  const file = join(dataDir, DEMO_IDP_FILE);
  const recorded = readRecordedPort(file);
  if (recorded !== undefined) {
    if (!(await isFree(recorded))) {
      throw new RoleportError(
        'ERR_CONFIG_INVALID',
        `the demo IdP's port ${recorded} (recorded in ${file}, so that its issuer and the users bound to it stay the same) is in use: stop what listens there (another roleport dev on this data directory?), or delete the file to pick a new port and then run \`roleport users unbind <username>\` for each user who signed in before`,
      );
    }
    return recorded;
  }
  const port = preferred !== undefined && (await isFree(preferred)) ? preferred : await freePort();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileAtomically(file, `${JSON.stringify({ port })}\n`);
  return port;
}

function readRecordedPort(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let port: unknown;
  try {
    port = (JSON.parse(text) as { port?: unknown }).port;
  } catch {
    port = undefined;
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RoleportError('ERR_CONFIG_INVALID', `${file}: expected {"port": N} with the demo IdP's port; delete the file to pick a new one`);
  }
  return port;
}

/** Whether nothing listens on 127.0.0.1:port right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 nothing listens on at this moment. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
