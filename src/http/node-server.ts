import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { FastifyBaseLogger, FastifyServerFactory } from 'fastify';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface NodeServerOptions {
  /** Terminate TLS with these PEM files; reloaded when either changes, without a restart. */
  tls?: TlsFiles | undefined;
  /** Answers a request before Fastify routing when it returns true (hot public documents, the token endpoint, the STS). */
  fastPath?: NodeFastPath | undefined;
  /** Headers every response carries (nosniff, HSTS): handed to the fast path, which leads its head with them (`writeFastHead`), or set here before Fastify answers. */
  headers?: Readonly<Record<string, string>> | undefined;
  logger: FastifyBaseLogger;
}

/**
 * Answers a request before Fastify routing and returns true, or returns false and leaves it
 * to Fastify. `leading` is the listener's own headers (nosniff, HSTS) as a flat name/value
 * list: an answer writes its head with `writeFastHead`, which puts them first.
 */
export type NodeFastPath = (request: IncomingMessage, response: ServerResponse, leading: readonly string[]) => boolean;

/**
 * A fast path's response head: the listener's headers, then the answer's own, as one flat
 * list — the form Node writes without a header object of its own (no `setHeader` before it),
 * which costs less per response on the busiest routes than headers set one by one.
 */
export function writeFastHead(response: ServerResponse, status: number, leading: readonly string[], ...own: ReadonlyArray<Readonly<Record<string, string | number>>>): void {
  const head: string[] = [...leading];
  for (const headers of own) for (const name in headers) head.push(name, String(headers[name]));
  response.writeHead(status, head);
}

const TLS_POLL_MS = 5000;

/**
 * The node:http(s) server under Fastify. Two jobs Fastify does not do: TLS whose certificate
 * is renewed on disk (certbot, cert-manager) without a restart, and a fast path that answers
 * discovery and JWKS — the documents AWS STS polls — without the router's per-request work.
 */
export function createNodeServerFactory(options: NodeServerOptions): FastifyServerFactory {
  return (handler, fastifyOptions) => {
    const headers = Object.entries(options.headers ?? {});
    const leading = headers.flat();
    const dispatch = (request: IncomingMessage, response: ServerResponse): void => {
      if (options.fastPath?.(request, response, leading) === true) return;
      for (const [name, value] of headers) response.setHeader(name, value);
      handler(request, response);
    };
    if (options.tls === undefined) return withKeepAlive(createHttpServer(dispatch), fastifyOptions['keepAliveTimeout']);
    const tls = options.tls;
    const load = () => ({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) });
    const server = withKeepAlive(createHttpsServer(load(), dispatch), fastifyOptions['keepAliveTimeout']);
    const reload = (): void => {
      try {
        server.setSecureContext(load());
        options.logger.info({ certFile: tls.certFile }, 'reloaded TLS certificate');
      } catch (error) {
        // A half-written renewal: keep serving the old certificate and try at the next change.
        options.logger.error({ err: error, certFile: tls.certFile }, 'TLS certificate reload failed; keeping the previous one');
      }
    };
    watchFile(tls.certFile, { interval: TLS_POLL_MS, persistent: false }, reload);
    watchFile(tls.keyFile, { interval: TLS_POLL_MS, persistent: false }, reload);
    server.on('close', () => {
      unwatchFile(tls.certFile, reload);
      unwatchFile(tls.keyFile, reload);
    });
    return server as unknown as Server;
  };
}

/**
 * Fastify sets its keep-alive timeout (72 s, longer than the 60 s idle timeout of common load
 * balancers) only on servers it creates itself; without this a server from this factory
 * keeps Node's 5 s, and a client reusing a connection just as it closes gets a reset.
 */
function withKeepAlive<T extends Server>(server: T, keepAliveTimeout: unknown): T {
  if (typeof keepAliveTimeout === 'number' && keepAliveTimeout > 0) server.keepAliveTimeout = keepAliveTimeout;
  return server;
}
