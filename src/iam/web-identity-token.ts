/**
 * What `AssumeRoleWithWebIdentity` requires of the token itself, in the order STS checks it:
 * a signed JWT (three base64url parts of JSON), an RSA or ECDSA algorithm, an `iss` that is a
 * registered provider's URL, then — once the signature holds — the required claims, an
 * audience among the provider's client IDs, timestamps within AWS's five minutes of clock
 * skew, and AWS's own claims (session tags, source identity). The local STS runs these on a
 * verified token; `policy explain` runs the very same functions on a decoded one, so the two
 * name the same STS error for the same token.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation (§3.1.3.7: aud and azp)
 * @see https://www.rfc-editor.org/rfc/rfc8725 (JWT best current practices)
 */
import { findUnsafeCharacter, isoSeconds } from '../core/index.ts';
import { StsError, stsError } from './sts-errors.ts';
import { readSourceIdentityClaim, readTagsClaim, type SessionTags } from './session-tags.ts';
import type { WebIdentityContextClaims } from './request-context.ts';

/** RS256/384/512 and (since November 2024) ES256/384/512; never `none`, HS*, PS* or EdDSA. */
export const WEB_IDENTITY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
/** The IAM guide's allowance for clock skew past `exp`; applied to `nbf` and `iat` too. */
export const CLOCK_SKEW_SECONDS = 300;
export const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat'] as const;
/**
 * `sub` comes back as `SubjectFromWebIdentityToken`, 6–255 characters in the STS API model
 * (`webIdentitySubjectType`): a broker must not sign a longer or shorter one.
 */
export const SUBJECT_LENGTH = { min: 6, max: 255 } as const;

function invalid(message: string, detail?: string): StsError {
  return stsError('InvalidIdentityToken', message, detail === undefined ? {} : { detail });
}

/** A compact JWS: three base64url parts separated by dots (the signature may be empty: `alg: none`). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

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

export interface UnverifiedToken {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  /** Whether the third part is non-empty (explain says so: STS verifies it, explain cannot). */
  readonly signed: boolean;
}

/** Reads header and payload without trusting them: enough to pick the provider and refuse bad algorithms early. */
export function readUnverifiedToken(token: string): UnverifiedToken {
  if (!COMPACT_JWS.test(token)) throw invalid('The web identity token is not a signed JWT (three base64url parts separated by dots)');
  const [headerPart, payloadPart, signature] = token.split('.') as [string, string, string];
  return { header: decodeJsonPart(headerPart, 'header'), payload: decodeJsonPart(payloadPart, 'payload'), signed: signature.length > 0 };
}

export function checkAlgorithm(header: Readonly<Record<string, unknown>>): string {
  const alg = header['alg'];
  if (typeof alg !== 'string' || !(WEB_IDENTITY_ALGORITHMS as readonly string[]).includes(alg)) {
    throw invalid(`Unsupported token signing algorithm ${JSON.stringify(alg ?? null)}: accepted are ${WEB_IDENTITY_ALGORITHMS.join(', ')}`);
  }
  return alg;
}

/** The token's `iss`, which must then equal a registered provider's URL ({@link unknownProvider}). */
export function readIssuer(payload: Readonly<Record<string, unknown>>): string {
  const issuer = payload['iss'];
  if (issuer === undefined) throw invalid('Missing a required claim: iss');
  if (typeof issuer !== 'string') throw invalid('Claim iss must be a string');
  return issuer;
}

/** No registered provider's URL equals `iss` (case-sensitive, trailing slashes aside). */
export function unknownProvider(issuer: string): StsError {
  return invalid(`No OpenIDConnect provider found in your account for ${issuer}`);
}

/** AWS's wording when the provider's discovery document or JWKS cannot be fetched. */
export function keysUnavailable(detail: string): StsError {
  return invalid("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements", detail);
}

/** The names under which {@link checkWebIdentityClaims} reports its steps. */
export type ClaimCheckName = 'required-claims' | 'subject' | 'audience' | 'expiry' | 'issued-at' | 'not-before' | 'max-age' | 'amr' | 'session-tags' | 'source-identity';

/** One step of {@link checkWebIdentityClaims}, as it went: explain prints these. */
export type ClaimCheckReport =
  | { name: ClaimCheckName; status: 'pass' | 'warn' | 'skip'; message: string }
  | { name: ClaimCheckName; status: 'fail'; error: StsError };

export interface ClaimCheckOptions {
  /**
   * The provider's registered client IDs. Undefined only in explain without `--client-id`:
   * the audience is then chosen by the same rule but not checked against a list.
   */
  clientIds: readonly string[] | undefined;
  /** Epoch seconds. */
  now: number;
  /** Refuse tokens whose `iat` is older than this ("Token too old"); undefined = no limit. */
  maxTokenAgeSeconds?: number | undefined;
}

export interface WebIdentityClaims {
  readonly subject: string;
  /** The client ID the token was accepted for: its only `aud`, or `azp` when `aud` has several. */
  readonly audience: string;
  /** Every `aud` value, and why {@link audience} is the one used. */
  readonly audiences: readonly string[];
  readonly audienceReason: string;
  readonly azp: string | undefined;
  readonly amr: readonly string[] | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly jti: string | undefined;
  readonly sessionTags: SessionTags | undefined;
  readonly sourceIdentity: string | undefined;
}

function integerClaim(claims: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`Claim ${name} must be a whole number of seconds since the epoch`);
  return value;
}

function iso(seconds: number): string {
  return isoSeconds(seconds * 1000);
}

interface Audience {
  audience: string;
  audiences: string[];
  reason: string;
  azp: string | undefined;
  checked: boolean;
}

/**
 * The value `<prefix>:aud` takes. AWS documents nothing for an array `aud`, so Roleport
 * follows OIDC Core §3.1.3.7: with one value it must be a registered client ID; with several,
 * `azp` must be present, be one of them, and be registered — and it is the one used.
 */
function chooseAudience(claims: Readonly<Record<string, unknown>>, clientIds: readonly string[] | undefined): Audience {
  const aud = claims['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a): a is string => typeof a === 'string') ? aud : undefined;
  if (audiences === undefined || audiences.length === 0) throw invalid('Claim aud must be a string or an array of strings');
  const azpClaim = claims['azp'];
  if (azpClaim !== undefined && typeof azpClaim !== 'string') throw invalid('Claim azp must be a string');
  const azp = azpClaim;
  const checked = clientIds !== undefined;
  if (audiences.length === 1) {
    const audience = audiences[0] as string;
    if (checked && !clientIds.includes(audience)) throw invalid('Incorrect token audience', `aud ${JSON.stringify(audience)} is not among the provider's client IDs ${JSON.stringify(clientIds)}`);
    return { audience, audiences, reason: 'the only aud value', azp, checked };
  }
  if (azp === undefined || !audiences.includes(azp) || (checked && !clientIds.includes(azp))) {
    throw invalid('Incorrect token audience', `aud has ${audiences.length} values; azp must be present, be one of them and be a registered client ID (OIDC Core §3.1.3.7)`);
  }
  return { audience: azp, audiences, reason: `azp, one of the ${audiences.length} aud values (OIDC Core §3.1.3.7)`, azp, checked };
}

function readAmr(claims: Readonly<Record<string, unknown>>): readonly string[] | undefined {
  const amr = claims['amr'];
  if (amr === undefined) return undefined;
  if (typeof amr === 'string') return [amr];
  if (Array.isArray(amr) && amr.every((value): value is string => typeof value === 'string')) return amr;
  throw invalid('Claim amr must be an array of strings');
}

/**
 * The checks STS makes on a token's claims once its signature holds, in STS's order; the
 * first failure throws the `StsError` STS answers with. `report` (explain) hears every step;
 * without it (the STS itself) no step's description is written.
 */
export function checkWebIdentityClaims(
  claims: Readonly<Record<string, unknown>>,
  options: ClaimCheckOptions,
  report?: (check: ClaimCheckReport) => void,
): WebIdentityClaims {
  const step = <T>(name: ClaimCheckName, run: () => T, describe: (value: T) => { status: 'pass' | 'warn' | 'skip'; message: string }): T => {
    let value: T;
    try {
      value = run();
    } catch (error) {
      if (error instanceof StsError) report?.({ name, status: 'fail', error });
      throw error;
    }
    report?.({ name, ...describe(value) });
    return value;
  };
  const pass = (message: string) => ({ status: 'pass' as const, message });

  step(
    'required-claims',
    () => {
      for (const name of REQUIRED_CLAIMS) if (claims[name] === undefined) throw invalid(`Missing a required claim: ${name}`);
    },
    () => pass(`${REQUIRED_CLAIMS.join(', ')} are present`),
  );
  const subject = step(
    'subject',
    () => {
      const sub = claims['sub'];
      if (typeof sub !== 'string' || sub.length === 0) throw invalid('Claim sub must be a non-empty string');
      // Stored with the credentials and in the audit log: safe text only (core/text.ts), a rule of this STS.
      const unsafe = findUnsafeCharacter(sub);
      if (unsafe !== undefined) throw invalid(`Claim sub must not contain control characters (found ${unsafe})`);
      return sub;
    },
    (sub) => pass(`sub ${JSON.stringify(sub)}`),
  );
  const audience = step(
    'audience',
    () => chooseAudience(claims, options.clientIds),
    (chosen) =>
      chosen.checked
        ? pass(`${JSON.stringify(chosen.audience)} (${chosen.reason}) is a client ID of the provider`)
        : { status: 'skip', message: `client IDs unknown: give --client-id to check ${JSON.stringify(chosen.audience)} (${chosen.reason})` },
  );
  const now = options.now;
  const expiresAt = step(
    'expiry',
    () => {
      const exp = integerClaim(claims, 'exp') as number;
      if (now >= exp + CLOCK_SKEW_SECONDS) {
        throw stsError('ExpiredTokenException', `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`, {
          detail: `expired ${now - exp} s ago (${iso(exp)}), beyond the ${CLOCK_SKEW_SECONDS} s of clock skew STS allows`,
        });
      }
      return exp;
    },
    (exp) =>
      now >= exp
        ? { status: 'warn', message: `expired ${now - exp} s ago, within the ${CLOCK_SKEW_SECONDS} s of clock skew STS allows: it still works, not for long` }
        : pass(`expires ${iso(exp)}, in ${exp - now} s`),
  );
  const issuedAt = step(
    'issued-at',
    () => {
      const iat = integerClaim(claims, 'iat') as number;
      if (iat > now + CLOCK_SKEW_SECONDS) throw invalid(`Token issued in the future: iat ${iat} is after the current date/time ${now}`, `${iat - now} s ahead: check the issuer's clock`);
      return iat;
    },
    (iat) => pass(`issued ${iso(iat)}`),
  );
  step(
    'not-before',
    () => {
      const nbf = integerClaim(claims, 'nbf');
      if (nbf !== undefined && nbf > now + CLOCK_SKEW_SECONDS) {
        throw invalid(`Token is not yet valid: current date/time ${now} must be after the not-before date/time ${nbf}`, `${nbf - now} s ahead: check the issuer's clock`);
      }
      return nbf;
    },
    (nbf) => (nbf === undefined ? { status: 'skip', message: 'no nbf claim' } : pass(`valid since ${iso(nbf)}`)),
  );
  step(
    'max-age',
    () => {
      const max = options.maxTokenAgeSeconds;
      if (max !== undefined && now - issuedAt > max) throw stsError('ExpiredTokenException', 'Token too old', { detail: `iat ${issuedAt} is more than ${max} s before ${now}` });
      return max;
    },
    (max) => (max === undefined ? { status: 'skip', message: 'no maximum token age (sts.maxTokenAgeSeconds)' } : pass(`issued ${now - issuedAt} s ago, at most ${max}`)),
  );
  const amr = step('amr', () => readAmr(claims), (value) => (value === undefined ? { status: 'skip', message: 'no amr claim' } : pass(`amr ${JSON.stringify(value)}`)));
  const sessionTags = step(
    'session-tags',
    () => readTagsClaim(claims),
    (tags) =>
      tags === undefined
        ? { status: 'skip', message: 'no session tags claim' }
        : pass(`${Object.keys(tags.tags).length} session tag(s) within AWS's limits${tags.transitiveTagKeys.length > 0 ? `, ${tags.transitiveTagKeys.length} transitive` : ''}`),
  );
  const sourceIdentity = step(
    'source-identity',
    () => readSourceIdentityClaim(claims),
    (value) => (value === undefined ? { status: 'skip', message: 'no source identity claim' } : pass(`source identity ${JSON.stringify(value)}`)),
  );
  const jti = claims['jti'];
  return {
    subject,
    audience: audience.audience,
    audiences: audience.audiences,
    audienceReason: audience.reason,
    azp: audience.azp,
    amr,
    issuedAt,
    expiresAt,
    jti: typeof jti === 'string' ? jti : undefined,
    sessionTags,
    sourceIdentity,
  };
}

/**
 * The context values of a token whose claims failed a check, read as far as they go, so
 * that explain still shows what the trust policy would decide. For a token that passes
 * {@link checkWebIdentityClaims} these are the values that check returns.
 */
export function readContextClaimsLeniently(claims: Readonly<Record<string, unknown>>): WebIdentityContextClaims {
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  const sub = claims['sub'];
  const azp = claims['azp'];
  return {
    audience: attempt(() => chooseAudience(claims, undefined).audience),
    subject: typeof sub === 'string' ? sub : undefined,
    azp: typeof azp === 'string' ? azp : undefined,
    amr: attempt(() => readAmr(claims)),
    sessionTags: attempt(() => readTagsClaim(claims)),
    sourceIdentity: attempt(() => readSourceIdentityClaim(claims)),
  };
}
