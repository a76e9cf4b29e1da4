import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError, isRoleportError } from '../../../core/index.ts';
import { USER_SESSION_TOKEN_HEADER } from '../../../integrations/index.ts';

export interface ProxyTarget {
  /** The content's upstream, without a trailing slash. */
  upstreamUrl: string;
  /** The path below the content's prefix, starting with `/`. */
  path: string;
  /** Where the content is mounted on the content origin (`/content/{guid}`), for X-Forwarded-Prefix. */
  prefix: string;
  userSessionToken: string;
  /** The socket's DNS lookup: the upstream allow-list's, so the connection goes only to an address it checked. */
  lookup: LookupFunction;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and those the upstream must not get: Roleport's own
// credentials stay with Roleport, and no client may choose the user session token.
const DROPPED_REQUEST_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'content-length', 'authorization', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix',
  USER_SESSION_TOKEN_HEADER.toLowerCase(),
]);
// Hop-by-hop, and what would let one content item act on the whole content origin: a service
// worker scope above its own path (it would see every other item's requests and the
// hand-off codes), or wiping the origin's storage and cookies.
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'proxy-connection', 'service-worker-allowed', 'clear-site-data']);
const UPSTREAM_TIMEOUT_MS = 30_000;

/** Roleport's cookie names, with or without a `__Host-`/`__Secure-` prefix: never set by, nor sent to, content. */
export function isRoleportCookieName(name: string): boolean {
  return /^(__host-|__secure-)?roleport_/i.test(name.trim());
}

/**
 * Forwards one viewer request to the content's upstream with the viewer's user session token
 * in `Posit-Connect-User-Session-Token`, and relays the answer. A plain request/response
 * proxy: no WebSocket upgrade, bodies buffered (the scope's parser caps them). Roleport's
 * cookies are removed from the request, and a `Set-Cookie` of the upstream for one of their
 * names is dropped.
 */
export async function proxyToContent(request: FastifyRequest, reply: FastifyReply, target: ProxyTarget): Promise<FastifyReply> {
  const queryIndex = request.url.indexOf('?');
  const url = new URL(`${target.upstreamUrl}${target.path}${queryIndex < 0 ? '' : request.url.slice(queryIndex)}`);
  const headers = forwardedHeaders(request, target);
  const body = request.method !== 'GET' && request.method !== 'HEAD' && Buffer.isBuffer(request.body) ? request.body : undefined;
  if (body !== undefined) headers['content-length'] = body.length;
  let response: { status: number; headers: IncomingHttpHeaders; body: Buffer };
  try {
    response = await send(url, request.method, headers, body, target.lookup);
  } catch (cause) {
    // The allow-list's refusal names the address and the rule; the viewer sees it.
    if (isRoleportError(cause)) throw cause;
    throw new RoleportError('ERR_BROKER_UNAVAILABLE', 'the content is not reachable right now', { status: 502, cause, detail: `upstream ${target.upstreamUrl}` });
  }
  reply.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name) || name === 'set-cookie') continue;
    reply.header(name, value);
  }
  const cookies = (response.headers['set-cookie'] ?? []).filter((cookie) => !isRoleportCookieName(cookie.slice(0, Math.max(0, cookie.indexOf('=')))));
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  return reply.send(request.method === 'HEAD' ? undefined : response.body);
}

function forwardedHeaders(request: FastifyRequest, target: ProxyTarget): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
    if (name === 'cookie') {
      const kept = [value].flat().join('; ').split(';').map((pair) => pair.trim()).filter((pair) => pair !== '' && !isRoleportCookieName(pair.slice(0, Math.max(0, pair.indexOf('=')))));
      if (kept.length > 0) headers['cookie'] = kept.join('; ');
      continue;
    }
    headers[name] = value;
  }
  headers[USER_SESSION_TOKEN_HEADER.toLowerCase()] = target.userSessionToken;
  headers['x-forwarded-host'] = request.headers.host ?? '';
  headers['x-forwarded-proto'] = request.protocol;
  headers['x-forwarded-prefix'] = target.prefix;
  return headers;
}

function send(url: URL, method: string, headers: OutgoingHttpHeaders, body: Buffer | undefined, lookup: LookupFunction): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      // `lookup` is the only DNS resolution: the socket connects to an address it checked. No
      // agent: a pooled socket would skip the check for a name whose DNS has changed since.
      { method, headers, lookup, agent: false, timeout: UPSTREAM_TIMEOUT_MS },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${UPSTREAM_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
