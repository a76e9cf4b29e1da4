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
import { stsError } from './errors.ts';
import { normalizeProviderUrl } from './arn.ts';
import { verifySignature as verifyWithKeys, type KeySource, type KeyResolver } from '../jwks/index.ts';
import { readSourceIdentityClaim, readTagsClaim, type SessionTags } from './session-tags.ts';

/** RS256/384/512 and (since November 2024) ES256/384/512; never `none`, HS*, PS* or EdDSA. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
const ACCEPTED = new Set<string>(ACCEPTED_ALGORITHMS);

/** The IAM guide's allowance for clock skew past `exp`; applied to `nbf` and `iat` too. */
export const CLOCK_SKEW_SECONDS = 300;

const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat'] as const;

export interface WebIdentityProvider {
  readonly url: string;
  /** The URL without scheme (`host[:port][/path]`). */
  readonly prefix: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
}

export interface VerifiedWebIdentity {
  readonly provider: WebIdentityProvider;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly subject: string;
  /** The client ID the token was accepted for: its only `aud`, or `azp` when `aud` has several. */
  readonly audience: string;
  readonly azp: string | undefined;
  readonly amr: readonly string[] | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly jti: string | undefined;
  readonly sessionTags: SessionTags | undefined;
  readonly sourceIdentity: string | undefined;
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

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw invalid(`The web identity token's ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`The web identity token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Reads header and payload without trusting them: enough to pick the provider and refuse bad algorithms early. */
function inspect(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  if (!COMPACT_JWS.test(token)) throw invalid('The web identity token is not a signed JWT (three base64url parts separated by dots)');
  const [headerPart, payloadPart] = token.split('.') as [string, string, string];
  return { header: decodeJsonPart(headerPart, 'header'), payload: decodeJsonPart(payloadPart, 'payload') };
}

function integerClaim(claims: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`Claim ${name} must be a whole number of seconds since the epoch`);
  return value;
}

function describeKeyMiss(header: JWSHeaderParameters): string {
  return header.kid === undefined ? `alg ${String(header.alg)}, no kid` : `kid ${JSON.stringify(header.kid)}, alg ${String(header.alg)}`;
}

/** Verifies the signature; several candidate keys (no `kid`) are tried in turn. */
function verifySignature(token: string, resolve: KeyResolver): Promise<Uint8Array> {
  return verifyWithKeys(token, resolve, ACCEPTED_ALGORITHMS);
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

function readAudience(claims: Readonly<Record<string, unknown>>, provider: WebIdentityProvider): { audience: string; azp: string | undefined } {
  const aud = claims['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a): a is string => typeof a === 'string') ? aud : undefined;
  if (audiences === undefined || audiences.length === 0) throw invalid('Claim aud must be a string or an array of strings');
  const azpClaim = claims['azp'];
  if (azpClaim !== undefined && typeof azpClaim !== 'string') throw invalid('Claim azp must be a string');
  const azp = azpClaim;
  if (audiences.length === 1) {
    if (!provider.clientIds.includes(audiences[0] as string)) throw invalid('Incorrect token audience');
    return { audience: audiences[0] as string, azp };
  }
  // OIDC Core §3.1.3.7: with several audiences, azp names the party the token was issued to.
  if (azp === undefined || !audiences.includes(azp) || !provider.clientIds.includes(azp)) {
    throw invalid('Incorrect token audience', `aud has ${audiences.length} values; azp must be present, be one of them and be a registered client ID`);
  }
  return { audience: azp, azp };
}

function readAmr(claims: Readonly<Record<string, unknown>>): readonly string[] | undefined {
  const amr = claims['amr'];
  if (amr === undefined) return undefined;
  if (typeof amr === 'string') return [amr];
  if (Array.isArray(amr) && amr.every((value): value is string => typeof value === 'string')) return amr;
  throw invalid('Claim amr must be an array of strings');
}

/**
 * Builds the verifier. Order of checks: shape → algorithm → issuer registered → keys
 * retrievable → signature → required claims → audience → time → AWS claims.
 */
export function createWebIdentityVerifier(options: WebIdentityVerifierOptions): VerifyWebIdentityToken {
  const { clock, keys } = options;

  return async (token) => {
    const { header, payload } = inspect(token);
    const alg = header['alg'];
    if (typeof alg !== 'string' || !ACCEPTED.has(alg)) {
      throw invalid(`Unsupported token signing algorithm ${JSON.stringify(alg ?? null)}: accepted are ${ACCEPTED_ALGORITHMS.join(', ')}`);
    }
    const issuer = payload['iss'];
    if (issuer === undefined) throw invalid('Missing a required claim: iss');
    if (typeof issuer !== 'string') throw invalid('Claim iss must be a string');
    const provider = await options.findProvider(normalizeProviderUrl(issuer));
    if (provider === undefined) throw invalid(`No OpenIDConnect provider found in your account for ${issuer}`);

    const keyFailure = (cause: unknown): Error =>
      invalid(
        "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
        `${provider.url}: ${(cause as Error).message}`,
      );
    let keySet;
    try {
      keySet = await keys.get(provider);
    } catch (cause) {
      throw keyFailure(cause);
    }
    let verifiedPayload: Uint8Array;
    try {
      verifiedPayload = await verifySignature(token, keySet.resolve);
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
        verifiedPayload = await verifySignature(token, fresh.resolve);
      } catch (retry) {
        throw mapJoseError(retry, header as JWSHeaderParameters);
      }
    }

    const claims = JSON.parse(Buffer.from(verifiedPayload).toString('utf8')) as Record<string, unknown>;
    for (const name of REQUIRED_CLAIMS) {
      if (claims[name] === undefined) throw invalid(`Missing a required claim: ${name}`);
    }
    const subject = claims['sub'];
    if (typeof subject !== 'string' || subject.length === 0) throw invalid('Claim sub must be a non-empty string');
    const { audience, azp } = readAudience(claims, provider);

    const now = Math.floor(clock.now() / 1000);
    const expiresAt = integerClaim(claims, 'exp') as number;
    const issuedAt = integerClaim(claims, 'iat') as number;
    const notBefore = integerClaim(claims, 'nbf');
    if (now >= expiresAt + CLOCK_SKEW_SECONDS) {
      throw stsError('ExpiredTokenException', `Token expired: current date/time ${now} must be before the expiration date/time ${expiresAt}`);
    }
    if (issuedAt > now + CLOCK_SKEW_SECONDS) throw invalid(`Token issued in the future: iat ${issuedAt} is after the current date/time ${now}`);
    if (notBefore !== undefined && notBefore > now + CLOCK_SKEW_SECONDS) {
      throw invalid(`Token is not yet valid: current date/time ${now} must be after the not-before date/time ${notBefore}`);
    }
    if (options.maxTokenAgeSeconds !== undefined && now - issuedAt > options.maxTokenAgeSeconds) {
      throw stsError('ExpiredTokenException', 'Token too old', { detail: `iat ${issuedAt} is more than ${options.maxTokenAgeSeconds} s before ${now}` });
    }
    const jti = claims['jti'];
    return {
      provider,
      claims,
      subject,
      audience,
      azp,
      amr: readAmr(claims),
      issuedAt,
      expiresAt,
      jti: typeof jti === 'string' ? jti : undefined,
      sessionTags: readTagsClaim(claims),
      sourceIdentity: readSourceIdentityClaim(claims),
      kid: typeof header['kid'] === 'string' ? header['kid'] : undefined,
      alg,
    };
  };
}
