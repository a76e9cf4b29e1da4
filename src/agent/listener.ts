import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constantTimeEqual, isRoleportError } from '../core/index.ts';
import type { ContainerCredentialsBody } from './role-credentials.ts';

/** What the listener asks of the agent, per request. */
export interface ListenerRoutes {
  /** The `/status` document. */
  status(): unknown;
  /**
   * The credentials route of one session: its `Authorization` secret and a getter per
   * profile (`undefined` profile = the session's first role). Undefined when unknown.
   */
  credentials(sessionId: string): { authorization: string; get(profile: string | undefined): Promise<ContainerCredentialsBody> | undefined } | undefined;
}

export interface AgentListener {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  close(): Promise<void>;
}

const CREDENTIALS_PATH = /^\/v1\/sessions\/([\w-]{1,100})(?:\/roles\/([\w+=,.@-]{1,128}))?\/credentials$/;

/**
 * The agent's loopback HTTP listener: `GET /status`, and the container-credentials endpoint
 * `GET /v1/sessions/<id>[/roles/<profile>]/credentials`, which demands the session's random
 * `Authorization` value and answers `{AccessKeyId, SecretAccessKey, Token, Expiration,
 * AccountId}` — or a 503 JSON error, never expired credentials. Binds loopback only: plain
 * http is what the SDKs accept for `AWS_CONTAINER_CREDENTIALS_FULL_URI` there.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
 */
export async function startAgentListener(routes: ListenerRoutes, options: { host?: string; port?: number } = {}): Promise<AgentListener> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    void handle(routes, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { code: 'ERR_INTERNAL', message: 'internal error' });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(routes: ListenerRoutes, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]!;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, { code: 'ERR_INPUT_INVALID', message: 'only GET' });
    return;
  }
  if (path === '/status') {
    send(response, 200, routes.status());
    return;
  }
  const match = CREDENTIALS_PATH.exec(path);
  const route = match === null ? undefined : routes.credentials(match[1]!);
  if (match === null || route === undefined) {
    send(response, 404, { code: 'ERR_NOT_FOUND', message: 'no such session' });
    return;
  }
  const authorization = request.headers.authorization ?? '';
  if (!constantTimeEqual(authorization, route.authorization)) {
    send(response, 401, { code: 'ERR_UNAUTHENTICATED', message: 'missing or wrong Authorization header' });
    return;
  }
  const pending = route.get(match[2]);
  if (pending === undefined) {
    send(response, 404, { code: 'ERR_NOT_FOUND', message: `no role with profile ${match[2]} in this session` });
    return;
  }
  try {
    send(response, 200, await pending);
  } catch (error) {
    const message = isRoleportError(error) || error instanceof Error ? error.message : 'credentials unavailable';
    send(response, 503, { code: 'ERR_CREDENTIALS_UNAVAILABLE', message });
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
