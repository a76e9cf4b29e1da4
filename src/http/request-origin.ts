import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** Where a request came from, as a policy sees it (`aws:SourceIp`, `aws:SecureTransport`). */
export interface RequestOrigin {
  secure: boolean;
  sourceIp: string | undefined;
}

/**
 * The client address and scheme of a raw request, trusting `X-Forwarded-For` and
 * `X-Forwarded-Proto` only from the configured proxies — exactly what Fastify's
 * `request.ip` and `request.protocol` compute with `trustProxy` set to the same list (the
 * same `@fastify/proxy-addr`), so the STS's fast path and its Fastify route agree.
 */
export function createRequestOrigin(trustedProxies: readonly string[]): (request: IncomingMessage) => RequestOrigin {
  const trust = proxyAddr.compile([...trustedProxies]);
  return (request) => {
    const socket = request.socket;
    const addresses = proxyAddr.all(request, trust);
    const forwardedProto = request.headers['x-forwarded-proto'];
    const fromTrustedProxy = socket.remoteAddress !== undefined && trust(socket.remoteAddress, 0);
    const protocol = typeof forwardedProto === 'string' && forwardedProto !== '' && fromTrustedProxy ? lastEntry(forwardedProto) : 'encrypted' in socket && socket.encrypted === true ? 'https' : 'http';
    return { secure: protocol === 'https', sourceIp: addresses[addresses.length - 1] };
  };
}

/** A header set more than once (`a, b`) counts its last entry, the one the nearest proxy added. */
function lastEntry(value: string): string {
  const comma = value.lastIndexOf(',');
  return (comma < 0 ? value : value.slice(comma + 1)).trim();
}
