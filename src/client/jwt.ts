import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { base64urlDecode } from '../core/index.ts';

/** A JWT's header and claims, read without verifying: for display and scheduling only. */
export interface DecodedToken {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

/**
 * Decodes a compact JWT (JWS) without verifying it; throws a TypeError when it is not one.
 * Two base64url JSON objects need no JOSE library, and `idp token --decode` and the agent
 * start faster without loading one.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */
export function decodeToken(token: string): DecodedToken {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TypeError('not a JWT: expected three dot-separated parts');
  return { header: decodePart(parts[0]!, 'header') as ProtectedHeaderParameters, claims: decodePart(parts[1]!, 'claims') as JWTPayload };
}

function decodePart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error('not base64url');
    value = JSON.parse(base64urlDecode(part).toString('utf8'));
  } catch (error) {
    throw new TypeError(`not a JWT: its ${what} is not base64url JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`not a JWT: its ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * When a token stops being valid, in ms since the epoch: its `exp`, else `fallbackMs` (the
 * `expires_in` the broker announced). The claim wins because it is what AWS checks.
 */
export function tokenExpiry(token: string, fallbackMs: number): number {
  try {
    const exp = decodeToken(token).claims.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : fallbackMs;
  } catch {
    return fallbackMs;
  }
}
