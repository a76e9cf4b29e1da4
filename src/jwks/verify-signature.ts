import { compactVerify, errors as joseErrors, type CryptoKey } from 'jose';
import type { KeyResolver } from './key-source.ts';

/**
 * Verifies a compact JWS with a provider's keys, allowing only `algorithms`. When the token
 * names no `kid` and several keys fit, each is tried in turn, as the clouds do.
 * Throws jose's errors (`JWKSNoMatchingKey`, `JWSSignatureVerificationFailed`,
 * `JOSEAlgNotAllowed`, …) for the caller to map to its protocol's error.
 */
export async function verifySignature(token: string, resolve: KeyResolver, algorithms: readonly string[]): Promise<Uint8Array> {
  try {
    return (await compactVerify(token, resolve, { algorithms: [...algorithms] })).payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error as unknown as AsyncIterable<CryptoKey>) {
      try {
        return (await compactVerify(token, key, { algorithms: [...algorithms] })).payload;
      } catch (attempt) {
        if (!(attempt instanceof joseErrors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
}
