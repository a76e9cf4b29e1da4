/**
 * Verifying a web identity token as `AssumeRoleWithWebIdentity` does: the issuer must be a
 * registered provider, the signature must come from that provider's published keys with an
 * RSA or ECDSA algorithm, the audience must be one of its client IDs, and the timestamps
 * must hold (with AWS's five minutes of clock skew).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 * @see https://www.rfc-editor.org/rfc/rfc8725 (JWT best current practices)
 */
import { errors as joseErrors, type JWSHeaderParameters } from 'jose';
import type { Clock } from '../core/index.ts';
import {
  checkAlgorithm,
  checkWebIdentityClaims,
  keysUnavailable,
  normalizeProviderUrl,
  readIssuer,
  readUnverifiedToken,
  stsError,
  unknownProvider,
  WEB_IDENTITY_ALGORITHMS,
  type WebIdentityClaims,
} from '../iam/index.ts';
import { verifySignature as verifyWithKeys, type KeySource, type KeyResolver } from '../jwks/index.ts';

export interface WebIdentityProvider {
  readonly url: string;
  /** The URL without scheme (`host[:port][/path]`). */
  readonly prefix: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
}

/** A token that passed every check of `AssumeRoleWithWebIdentity` (src/iam's token rules). */
export interface VerifiedWebIdentity extends WebIdentityClaims {
  readonly provider: WebIdentityProvider;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly kid: string | undefined;
  readonly alg: string;
}

export interface WebIdentityVerifierOptions {
  clock: Clock;
  keys: KeySource;
  /** The registered provider whose URL equals the token's `iss`, if any. */
  findProvider: (issuer: string) => Promise<WebIdentityProvider | undefined>;
  /** Refuse tokens whose `iat` is older than this ("Token too old"); undefined = no limit. */
  maxTokenAgeSeconds?: number | undefined;
}

export type VerifyWebIdentityToken = (token: string) => Promise<VerifiedWebIdentity>;

function invalid(message: string, detail?: string): Error {
  return stsError('InvalidIdentityToken', message, detail === undefined ? {} : { detail });
}

function describeKeyMiss(header: JWSHeaderParameters): string {
  return header.kid === undefined ? `alg ${String(header.alg)}, no kid` : `kid ${JSON.stringify(header.kid)}, alg ${String(header.alg)}`;
}

/** Verifies the signature; several candidate keys (no `kid`) are tried in turn. */
function verifySignature(token: string, resolve: KeyResolver): Promise<Uint8Array> {
  return verifyWithKeys(token, resolve, WEB_IDENTITY_ALGORITHMS);
}

function mapJoseError(error: unknown, header: JWSHeaderParameters): Error {
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return invalid(`No key in the identity provider's JWKS matches the web identity token (${describeKeyMiss(header)})`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('The web identity token signature could not be verified with the identity provider\'s keys');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return invalid(`Unsupported token signing algorithm ${String(header.alg)}`);
  if (error instanceof joseErrors.JOSEError) return invalid(`The web identity token is invalid: ${error.message}`);
  return invalid('The web identity token is invalid', (error as Error).message);
}

/**
 * Builds the verifier. Order of checks: shape → algorithm → issuer registered → keys
 * retrievable → signature → required claims → audience → time → AWS claims.
 */
export function createWebIdentityVerifier(options: WebIdentityVerifierOptions): VerifyWebIdentityToken {
  const { clock, keys } = options;

  return async (token) => {
    const { header, payload } = readUnverifiedToken(token);
    const alg = checkAlgorithm(header);
    const issuer = readIssuer(payload);
    const provider = await options.findProvider(normalizeProviderUrl(issuer));
    if (provider === undefined) throw unknownProvider(issuer);

    const keyFailure = (cause: unknown): Error => keysUnavailable(`${provider.url}: ${(cause as Error).message}`);
    let keySet;
    try {
      keySet = await keys.get(provider);
    } catch (cause) {
      throw keyFailure(cause);
    }
    try {
      await verifySignature(token, keySet.resolve);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw mapJoseError(error, header as JWSHeaderParameters);
      // The provider may have rotated: look at its JWKS once more (rate-limited), then give up.
      let fresh;
      try {
        fresh = await keys.refresh(provider);
      } catch (cause) {
        throw keyFailure(cause);
      }
      if (fresh === undefined) throw mapJoseError(error, header as JWSHeaderParameters);
      try {
        await verifySignature(token, fresh.resolve);
      } catch (retry) {
        throw mapJoseError(retry, header as JWSHeaderParameters);
      }
    }

    // The signature covers the very payload part read above: its claims are now trusted.
    const claims = payload;
    const checked = checkWebIdentityClaims(claims, { clientIds: provider.clientIds, now: Math.floor(clock.now() / 1000), maxTokenAgeSeconds: options.maxTokenAgeSeconds });
    return { ...checked, provider, claims, kid: typeof header['kid'] === 'string' ? header['kid'] : undefined, alg };
  };
}
