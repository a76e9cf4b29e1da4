/**
 * Headers every response of a listener carries, whatever answers it (Fastify, a fast path,
 * an error): no content sniffing, and Strict-Transport-Security when the listener's public
 * URL is https (the STS listener, which has none of its own, gets only nosniff) (a browser that saw it once never speaks plain http to the host again, so a
 * network attacker cannot strip TLS and read the session cookie). No `includeSubDomains`:
 * other hosts of the admin's domain are not Roleport's to decide.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6797
 * @see https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html
 */
export function securityHeaders(publicUrl: string | undefined): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    ...(publicUrl?.startsWith('https://') === true ? { 'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}` } : {}),
  };
}

/** One year, the value HSTS preload lists ask for. */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;
