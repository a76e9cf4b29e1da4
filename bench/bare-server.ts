import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { answerCpuQueries, benchInput, freePort } from './processes.ts';

/**
 * A server that answers every request with the same bytes — about the size of one of
 * Roleport's token responses — in a process of its own, over `node:http` or over a bare
 * `node:net` socket. The two measure what the HTTP layer under the fast paths costs and what a
 * cheaper one could save (bench/http-layer.ts). The `net` side parses only what autocannon
 * sends (a request line, headers, a body of `content-length` bytes); it is a measuring stick,
 * not an HTTP server. Says `{ type: 'listening', url }`; answers `'cpu'`, closes on `'close'`.
 */
export interface BareServerInput {
  layer: 'http' | 'net';
}

const TOKEN_RESPONSE = JSON.stringify({ access_token: 'e'.repeat(620), issued_token_type: 'urn:ietf:params:oauth:token-type:id_token', token_type: 'N_A', expires_in: 3600 });
const HEADERS = [
  'x-content-type-options', 'nosniff',
  'x-ratelimit-limit', '10000000', 'x-ratelimit-remaining', '9999999', 'x-ratelimit-reset', '60',
  'cache-control', 'no-store', 'pragma', 'no-cache',
  'content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(TOKEN_RESPONSE)),
];

const { layer } = benchInput<BareServerInput>();
const port = await freePort();
const server = layer === 'http' ? httpServer() : netServer();
server.listen(port, '127.0.0.1', () => process.send!({ type: 'listening', url: `http://127.0.0.1:${port}` }));
answerCpuQueries(() => server.close(() => process.exit(0)));

function httpServer() {
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200, HEADERS);
      response.end(TOKEN_RESPONSE);
    });
  });
  server.keepAliveTimeout = 72_000;
  return server;
}

function netServer() {
  let head = '';
  for (let i = 0; i < HEADERS.length; i += 2) head += `${HEADERS[i]}: ${HEADERS[i + 1]}\r\n`;
  return createNetServer((socket: Socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        // What node:http also reads for every request: each header line split into name and value.
        const headers: Record<string, string> = {};
        for (const line of pending.slice(0, end).split('\r\n').slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const bodyEnd = end + 4 + Number(headers['content-length'] ?? 0);
        if (pending.length < bodyEnd) return;
        pending = pending.slice(bodyEnd);
        socket.write(`HTTP/1.1 200 OK\r\n${head}date: ${new Date().toUTCString()}\r\nconnection: keep-alive\r\nkeep-alive: timeout=72\r\n\r\n${TOKEN_RESPONSE}`);
      }
    });
  });
}
