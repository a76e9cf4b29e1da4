import type { FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError } from '../../../core/index.ts';
import { USER_SESSION_TOKEN_HEADER } from '../../../integrations/index.ts';

export interface ProxyTarget {
  /** The content's upstream, without a trailing slash. */
  upstreamUrl: string;
  /** The path below the content's prefix, starting with `/`. */
  path: string;
  /** Where the content is mounted on the broker (`/content/{guid}`), for X-Forwarded-Prefix. */
  prefix: string;
  userSessionToken: string;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and those the broker must not pass on: its own cookies
// and credentials stay with the broker, and no client may choose the user session token.
const DROPPED_REQUEST_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'content-length', 'cookie', 'authorization', USER_SESSION_TOKEN_HEADER.toLowerCase(),
]);
// fetch has already decoded the body, so its encoding and length no longer hold.
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length', 'trailer', 'upgrade']);
const UPSTREAM_TIMEOUT_MS = 30_000;

/**
 * Forwards one viewer request to the content's upstream with the viewer's user session token
 * in `Posit-Connect-User-Session-Token`, and relays the answer. A plain request/response
 * proxy: no WebSocket upgrade, bodies buffered (the scope's parser caps them).
 */
export async function proxyToContent(request: FastifyRequest, reply: FastifyReply, target: ProxyTarget): Promise<FastifyReply> {
  const queryIndex = request.url.indexOf('?');
  const url = `${target.upstreamUrl}${target.path}${queryIndex < 0 ? '' : request.url.slice(queryIndex)}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
    for (const item of [value].flat()) headers.append(name, item);
  }
  headers.set(USER_SESSION_TOKEN_HEADER, target.userSessionToken);
  headers.set('x-forwarded-host', request.headers.host ?? '');
  headers.set('x-forwarded-proto', request.protocol);
  headers.set('x-forwarded-prefix', target.prefix);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && Buffer.isBuffer(request.body);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers,
      body: hasBody ? new Uint8Array(request.body as Buffer) : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch (cause) {
    throw new RoleportError('ERR_BROKER_UNAVAILABLE', 'the content is not reachable right now', { status: 502, cause, detail: `upstream ${target.upstreamUrl}` });
  }
  const body = Buffer.from(await response.arrayBuffer());
  reply.status(response.status);
  for (const [name, value] of response.headers) {
    if (DROPPED_RESPONSE_HEADERS.has(name) || name === 'set-cookie') continue;
    reply.header(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  return reply.send(request.method === 'HEAD' ? undefined : body);
}
