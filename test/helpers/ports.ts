import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago.
 *
 * The port is released before it is returned, so another process can take it in between;
 * callers that can bind port 0 themselves should prefer that, and callers that hand the
 * port to a child process should retry on "address in use".
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
  });
  if (address === null || typeof address === 'string') {
    throw new Error(`freePort: unexpected server address ${String(address)}`);
  }
  return address.port;
}
