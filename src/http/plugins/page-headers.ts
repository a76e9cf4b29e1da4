import type { FastifyInstance } from 'fastify';

/**
 * Headers for every server-rendered page of a scope: scripts and styles only from us (files,
 * never inline),
 * no framing, no referrer (the callback URL carries the one-time code), never cached. A page
 * that sets its own policy (the consent page lets its forms reach the IdPs) keeps it.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html
 */
export function registerPageHeaders(scope: FastifyInstance): void {
  scope.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', pageCsp([]));
      reply.header('x-frame-options', 'DENY').header('cache-control', 'no-store');
    }
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
}

/** The pages' policy, with extra origins their forms may be sent on to. */
export function pageCsp(formOrigins: readonly string[]): string {
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'${formOrigins.map((origin) => ` ${origin}`).join('')}; frame-ancestors 'none'; base-uri 'none'`;
}
