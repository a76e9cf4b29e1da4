/**
 * The checks AWS STS makes on `AssumeRoleWithWebIdentity` that need no network (no
 * signature, no discovery), each as explain reports it: passed, failed with the STS error it
 * causes, a warning, or skipped for lack of input. Explain runs them in STS's order, so the
 * first failure is what STS would answer.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 */

/** The algorithms STS accepts for OIDC tokens (ECDSA since November 2024). */
export const WEB_IDENTITY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
/** STS accepts a token up to 5 minutes past `exp` for clock skew (IAM User Guide, OIDC providers). */
export const CLOCK_SKEW_SECONDS = 300;
export const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat'] as const;
export const TAGS_CLAIM = 'https://aws.amazon.com/tags';
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';
/** Session tag limits: 50 tags, keys ≤ 128 and values ≤ 256 characters (IAM User Guide, id_session-tags). */
export const SESSION_TAG_LIMITS = { tags: 50, keyLength: 128, valueLength: 256 } as const;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const TOKEN_LENGTH = { min: 4, max: 20000 } as const;

export type StsErrorCode = 'InvalidIdentityToken' | 'ExpiredTokenException' | 'AccessDenied' | 'ValidationError' | 'PackedPolicyTooLarge';

export type StsCheckName =
  | 'session-name'
  | 'token-length'
  | 'algorithm'
  | 'issuer'
  | 'required-claims'
  | 'audience'
  | 'expiry'
  | 'not-before'
  | 'issued-at'
  | 'trust-policy'
  | 'session-tags'
  | 'tag-session'
  | 'source-identity';

/** One of STS's checks as explain could make it: `fail` carries the STS error it causes. */
export interface StsCheck {
  name: StsCheckName;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  stsError: StsErrorCode | undefined;
  message: string;
}

export interface ExplainAudience {
  /** The value used for `<prefix>:aud`, undefined when the token has none. */
  value: string | undefined;
  values: string[];
  /** Why this value: e.g. `azp, one of several aud values (OIDC Core §3.1.3.7)`. */
  reason: string;
}

export const pass = (name: StsCheckName, message: string): StsCheck => ({ name, status: 'pass', stsError: undefined, message });
export const skip = (name: StsCheckName, message: string): StsCheck => ({ name, status: 'skip', stsError: undefined, message });
export const warn = (name: StsCheckName, message: string): StsCheck => ({ name, status: 'warn', stsError: undefined, message });
export const fail = (name: StsCheckName, stsError: StsErrorCode, message: string): StsCheck => ({ name, status: 'fail', stsError, message });

export function checkSessionName(sessionName: string | undefined): StsCheck {
  if (sessionName === undefined) return skip('session-name', 'no --session-name given: sts:RoleSessionName is not in the context');
  if (SESSION_NAME.test(sessionName)) return pass('session-name', `session name ${JSON.stringify(sessionName)} is valid`);
  return fail(
    'session-name',
    'ValidationError',
    `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and match pattern [\\w+=,.@-]*`,
  );
}

export function checkTokenLength(length: number): StsCheck {
  if (length >= TOKEN_LENGTH.min && length <= TOKEN_LENGTH.max) return pass('token-length', `${length} characters (STS takes ${TOKEN_LENGTH.min}-${TOKEN_LENGTH.max})`);
  return fail(
    'token-length',
    'ValidationError',
    `1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length ${length < TOKEN_LENGTH.min ? `greater than or equal to ${TOKEN_LENGTH.min}` : `less than or equal to ${TOKEN_LENGTH.max}`}`,
  );
}

export function checkAlgorithm(header: Record<string, unknown>): StsCheck {
  const alg = header['alg'];
  if (typeof alg === 'string' && (WEB_IDENTITY_ALGORITHMS as readonly string[]).includes(alg)) return pass('algorithm', `alg ${alg} is one STS accepts`);
  return fail('algorithm', 'InvalidIdentityToken', `algorithm: the token is signed with alg ${JSON.stringify(alg ?? null)}; STS accepts only ${WEB_IDENTITY_ALGORITHMS.join(', ')}`);
}

export function checkRequiredClaims(claims: Record<string, unknown>): StsCheck {
  const missing = REQUIRED_CLAIMS.filter((name) => claims[name] === undefined || claims[name] === null);
  if (missing.length > 0) return fail('required-claims', 'InvalidIdentityToken', `Missing a required claim: ${missing.join(', ')}`);
  const notString = (['iss', 'sub'] as const).filter((name) => typeof claims[name] !== 'string');
  if (notString.length > 0) return fail('required-claims', 'InvalidIdentityToken', `claim ${notString.join(', ')} must be a string`);
  return pass('required-claims', `iss, sub, aud, exp and iat are present`);
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function checkTimestamps(claims: Record<string, unknown>, now: number): StsCheck[] {
  const checks: StsCheck[] = [];
  const read = (name: string): number | undefined | 'invalid' => {
    const value = claims[name];
    if (value === undefined) return undefined;
    // STS takes NumericDate as whole seconds; a string or fraction is a malformed token.
    return typeof value === 'number' && Number.isInteger(value) ? value : 'invalid';
  };
  const exp = read('exp');
  if (exp === 'invalid') checks.push(fail('expiry', 'InvalidIdentityToken', 'exp must be a whole number of seconds since the epoch'));
  else if (exp === undefined) checks.push(skip('expiry', 'no exp claim'));
  else if (now > exp + CLOCK_SKEW_SECONDS) {
    checks.push(
      fail('expiry', 'ExpiredTokenException', `Token expired: current date/time ${isoSeconds(now)} must be before the expiration date/time ${isoSeconds(exp)} (clock: expired ${now - exp} s ago, beyond the ${CLOCK_SKEW_SECONDS} s skew STS allows)`),
    );
  } else if (now > exp) checks.push(warn('expiry', `expired ${now - exp} s ago, within the ${CLOCK_SKEW_SECONDS} s clock skew STS allows: it still works, not for long`));
  else checks.push(pass('expiry', `expires ${isoSeconds(exp)}, in ${exp - now} s`));

  const nbf = read('nbf');
  if (nbf === 'invalid') checks.push(fail('not-before', 'InvalidIdentityToken', 'nbf must be a whole number of seconds since the epoch'));
  else if (nbf !== undefined && nbf > now + CLOCK_SKEW_SECONDS) {
    checks.push(fail('not-before', 'InvalidIdentityToken', `the token is not valid before ${isoSeconds(nbf)} (nbf), ${nbf - now} s from now: check the issuer's clock`));
  } else if (nbf !== undefined) checks.push(pass('not-before', `valid since ${isoSeconds(nbf)}`));

  const iat = read('iat');
  if (iat === 'invalid') checks.push(fail('issued-at', 'InvalidIdentityToken', 'iat must be a whole number of seconds since the epoch'));
  else if (iat !== undefined && iat > now + CLOCK_SKEW_SECONDS) {
    checks.push(fail('issued-at', 'InvalidIdentityToken', `the token claims to be issued at ${isoSeconds(iat)}, ${iat - now} s in the future: check the issuer's clock`));
  } else if (iat !== undefined) checks.push(pass('issued-at', `issued ${isoSeconds(iat)}`));
  return checks;
}

/**
 * The value `<prefix>:aud` takes. AWS documents nothing for an array `aud`, so Roleport
 * follows OIDC Core §3.1.3.7: `aud` must contain a registered client ID, and with several
 * values `azp` must be present and be that client.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export function chooseAudience(claims: Record<string, unknown>, clientIds: readonly string[] | undefined, checks: StsCheck[]): ExplainAudience {
  const aud = claims['aud'];
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
  const azp = typeof claims['azp'] === 'string' ? claims['azp'] : undefined;
  const known = clientIds !== undefined && clientIds.length > 0;
  if (values.length === 0) {
    checks.push(aud === undefined ? skip('audience', 'no aud claim') : fail('audience', 'InvalidIdentityToken', 'Incorrect token audience: aud is not a string or an array of strings'));
    return { value: undefined, values, reason: 'the token has no usable aud' };
  }
  if (values.length === 1) {
    const value = values[0]!;
    if (!known) checks.push(skip('audience', `client IDs unknown: give --client-id to check aud ${JSON.stringify(value)}`));
    else if (clientIds.includes(value)) checks.push(pass('audience', `aud ${JSON.stringify(value)} is a client ID of the provider`));
    else checks.push(fail('audience', 'InvalidIdentityToken', `Incorrect token audience: ${JSON.stringify(value)} is not among the provider's client IDs ${JSON.stringify(clientIds)}`));
    return { value, values, reason: 'the only aud value' };
  }
  const multi = `aud has ${values.length} values`;
  if (azp !== undefined && values.includes(azp)) {
    if (!known) checks.push(skip('audience', `client IDs unknown: give --client-id to check azp ${JSON.stringify(azp)}`));
    else if (clientIds.includes(azp)) checks.push(pass('audience', `${multi}; azp ${JSON.stringify(azp)} is among them and is a client ID of the provider`));
    else checks.push(fail('audience', 'InvalidIdentityToken', `Incorrect token audience: azp ${JSON.stringify(azp)} is not among the provider's client IDs ${JSON.stringify(clientIds)}`));
    return { value: azp, values, reason: `azp, one of the ${values.length} aud values (OIDC Core §3.1.3.7)` };
  }
  const registered = known ? values.find((value) => clientIds.includes(value)) : undefined;
  const value = registered ?? values[0]!;
  const why = azp === undefined ? `${multi} and no azp names the client` : `${multi} and azp ${JSON.stringify(azp)} is not one of them`;
  if (known && registered === undefined) {
    checks.push(fail('audience', 'InvalidIdentityToken', `Incorrect token audience: none of ${JSON.stringify(values)} is among the provider's client IDs ${JSON.stringify(clientIds)}`));
  } else {
    checks.push(fail('audience', 'InvalidIdentityToken', `Incorrect token audience: ${why} (OIDC Core §3.1.3.7 requires azp to pick one)`));
  }
  return { value, values, reason: `${why}: used ${registered === undefined ? 'the first value' : 'the first registered client ID'} ${JSON.stringify(value)}` };
}

export interface SessionTags {
  check: StsCheck;
  tags: Record<string, string>;
  transitive: string[];
}

/**
 * Reads `https://aws.amazon.com/tags` = `{principal_tags: {Key: ["value"]}, transitive_tag_keys: [...]}`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp
 */
export function readSessionTags(claims: Record<string, unknown>): SessionTags | undefined {
  const claim = claims[TAGS_CLAIM];
  if (claim === undefined) return undefined;
  const malformed = (why: string): SessionTags => ({ check: fail('session-tags', 'InvalidIdentityToken', `${TAGS_CLAIM}: ${why}`), tags: {}, transitive: [] });
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) return malformed('must be an object with principal_tags');
  const record = claim as Record<string, unknown>;
  const principalTags = record['principal_tags'];
  if (typeof principalTags !== 'object' || principalTags === null || Array.isArray(principalTags)) return malformed('principal_tags must be an object of tag keys');
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(principalTags as Record<string, unknown>)) {
    const single = Array.isArray(value) && value.length === 1 ? value[0] : value;
    if (typeof single !== 'string') return malformed(`principal_tags.${key} must be a string or a list of one string`);
    tags[key] = single;
  }
  const transitiveValue = record['transitive_tag_keys'] ?? [];
  if (!Array.isArray(transitiveValue) || transitiveValue.some((key) => typeof key !== 'string')) return malformed('transitive_tag_keys must be a list of tag keys');
  const transitive = transitiveValue as string[];
  const keys = Object.keys(tags);
  const strayTransitive = transitive.filter((key) => !keys.includes(key));
  if (strayTransitive.length > 0) return malformed(`transitive_tag_keys ${JSON.stringify(strayTransitive)} are not in principal_tags`);
  const problems: string[] = [];
  if (keys.length > SESSION_TAG_LIMITS.tags) problems.push(`${keys.length} tags (at most ${SESSION_TAG_LIMITS.tags})`);
  for (const key of keys) {
    if (key.length > SESSION_TAG_LIMITS.keyLength) problems.push(`key ${JSON.stringify(key.slice(0, 20))}… is ${key.length} characters (at most ${SESSION_TAG_LIMITS.keyLength})`);
    if (tags[key]!.length > SESSION_TAG_LIMITS.valueLength) problems.push(`value of ${key} is ${tags[key]!.length} characters (at most ${SESSION_TAG_LIMITS.valueLength})`);
  }
  if (problems.length > 0) {
    return { check: fail('session-tags', 'PackedPolicyTooLarge', `session tags exceed AWS's limits: ${problems.join('; ')}`), tags, transitive };
  }
  return { check: pass('session-tags', `${keys.length} session tag(s) within AWS's limits${transitive.length > 0 ? `, ${transitive.length} transitive` : ''}`), tags, transitive };
}
