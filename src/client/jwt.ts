import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

/** A JWT's header and claims, read without verifying: for display and scheduling only. */
export interface DecodedToken {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

/** Decodes a compact JWT; throws a TypeError when it is not one. */
export function decodeToken(token: string): DecodedToken {
  try {
    return { header: decodeProtectedHeader(token), claims: decodeJwt(token) };
  } catch (error) {
    throw new TypeError(`not a JWT: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * When a token stops being valid, in ms since the epoch: its `exp`, else `fallbackMs` (the
 * `expires_in` the broker announced). The claim wins because it is what AWS checks.
 */
export function tokenExpiry(token: string, fallbackMs: number): number {
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : fallbackMs;
  } catch {
    return fallbackMs;
  }
}
