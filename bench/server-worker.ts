import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { createApplication } from '../src/app.ts';
import { benchConfig, type BenchData } from './setup.ts';

/**
 * A server on its own thread (so it gets a core of its own while autocannon drives it from
 * the main thread): the real broker, or a bare node:http server answering with the very
 * bytes and headers the broker sends.
 */
export type ServerWorkerData =
  | { kind: 'broker'; data: BenchData; /** false: the reference without durable audit (see audit-durability.ts). */ durableAudit?: boolean }
  | { kind: 'bare'; responses: Record<string, { body: string; headers: Record<string, string> }> };

const input = workerData as ServerWorkerData;
const port = parentPort!;

if (input.kind === 'broker') {
  const listen = `127.0.0.1:${await freePort()}`;
  const app = await createApplication(benchConfig(input.data, listen), input.durableAudit === false ? { durableAudit: false } : {});
  const url = await app.listen();
  port.postMessage({ type: 'listening', url });
  port.once('message', () => void app.close().then(() => port.postMessage({ type: 'closed' })));
} else {
  const responses = new Map(Object.entries(input.responses).map(([path, r]) => [path, { body: Buffer.from(r.body), headers: r.headers }]));
  const server = createHttpServer((request, response) => {
    const found = responses.get(request.url ?? '');
    if (found === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { ...found.headers, 'content-length': found.body.length });
    response.end(found.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port.postMessage({ type: 'listening', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  port.once('message', () => {
    server.closeAllConnections();
    server.close(() => port.postMessage({ type: 'closed' }));
  });
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}
