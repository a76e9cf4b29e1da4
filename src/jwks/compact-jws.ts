/** A compact JWS: three base64url parts separated by dots (the signature may be empty: `alg: none`). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Header and payload of a signed JWT, read without trusting them (enough to pick the
 * provider and refuse a bad algorithm before any key is fetched); undefined unless the token
 * is three base64url parts of JSON objects with a non-empty signature.
 */
export function decodeSignedJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  if (!COMPACT_JWS.test(token)) return undefined;
  const [headerPart, payloadPart, signature] = token.split('.') as [string, string, string];
  const header = decodeJsonObject(headerPart);
  const payload = decodeJsonObject(payloadPart);
  return header === undefined || payload === undefined || signature === '' ? undefined : { header, payload };
}
