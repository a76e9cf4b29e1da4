/**
 * What Google's STS checks in an OIDC subject token, step by step, for one provider: shape,
 * algorithm, issuer, signature, required claims, audience, time, then the attribute mapping
 * and the attribute condition. The exchange endpoint stops at the first failure; `explain`
 * runs every step it can and reports each — the same functions, so they cannot disagree.
 * @see https://cloud.google.com/iam/docs/workload-identity-federation-with-other-providers
 * @see https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
 */
import { GOOGLE_GROUPS, GOOGLE_SUBJECT, OIDC_ALGORITHMS, acceptedAudiences, customAttributeName, mappedAttributesProblem } from '../gcp/index.ts';
import { decodeSignedJwt } from '../jwks/index.ts';
import type { CelEvaluator } from './cel.ts';
import { GOOGLE_MESSAGES, GoogleOAuthError } from './errors.ts';
import type { GcpProvider } from './registry.ts';

export type GcpCheckName =
  | 'token-shape'
  | 'algorithm'
  | 'issuer'
  | 'signature'
  | 'required-claims'
  | 'audience'
  | 'expiry'
  | 'issued-at'
  | 'attribute-mapping'
  | 'attribute-condition';

export interface GcpCheck {
  name: GcpCheckName;
  status: 'pass' | 'fail' | 'skip';
  message: string;
  /** What Google's STS answers when this check fails. */
  error?: { error: string; error_description: string };
}

/** The federated principal a token maps to. */
export interface FederatedIdentity {
  subject: string;
  groups: string[];
  /** `attribute.<name>` values. */
  attributes: Record<string, string>;
}

export interface SubjectTokenEvaluation {
  checks: GcpCheck[];
  header: Record<string, unknown> | undefined;
  claims: Record<string, unknown> | undefined;
  identity: FederatedIdentity | undefined;
  /** The first failure: what the STS answers. */
  refusal: GoogleOAuthError | undefined;
}

export interface EvaluateSubjectTokenOptions {
  provider: GcpProvider;
  /** A compact JWT, or already-decoded claims (explain --claims). */
  token: string | { claims: Record<string, unknown> };
  nowSeconds: number;
  cel: CelEvaluator;
  /** Verifies the signature with the issuer's keys; undefined = skipped (explain has no keys). Throws a GoogleOAuthError. */
  verifySignature?: ((token: string) => Promise<void>) | undefined;
  stopAtFirstFailure: boolean;
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'exp', 'iat'] as const;
function grantError(description: string): GoogleOAuthError {
  return new GoogleOAuthError('invalid_grant', description);
}

export async function evaluateSubjectToken(options: EvaluateSubjectTokenOptions): Promise<SubjectTokenEvaluation> {
  const { provider } = options;
  const result: SubjectTokenEvaluation = { checks: [], header: undefined, claims: undefined, identity: undefined, refusal: undefined };
  const record = (name: GcpCheckName, failure: GoogleOAuthError | undefined, message: string): boolean => {
    if (failure === undefined) {
      result.checks.push({ name, status: 'pass', message });
      return true;
    }
    result.checks.push({ name, status: 'fail', message: failure.message, error: { error: failure.oauthError, error_description: failure.message } });
    result.refusal ??= failure;
    return false;
  };
  const skip = (name: GcpCheckName, message: string): void => {
    result.checks.push({ name, status: 'skip', message });
  };
  const stop = (): boolean => options.stopAtFirstFailure && result.refusal !== undefined;

  // Shape.
  let token: string | undefined;
  if (typeof options.token === 'string') {
    token = options.token;
    const decoded = decodeSignedJwt(token);
    if (!record('token-shape', decoded === undefined ? grantError('Unable to parse the ID Token: it is not a signed JWT (three base64url parts of JSON).') : undefined, 'a signed JWT')) {
      return result;
    }
    result.header = decoded?.header;
    result.claims = decoded?.payload;
  } else {
    result.claims = options.token.claims;
    skip('token-shape', 'claims given, not a token');
  }
  const claims = result.claims as Record<string, unknown>;

  // Algorithm.
  if (result.header !== undefined) {
    const alg = result.header['alg'];
    const accepted = (OIDC_ALGORITHMS as readonly string[]).includes(String(alg));
    record('algorithm', accepted ? undefined : grantError(`The ID Token's signing algorithm ${JSON.stringify(alg ?? null)} is not supported; supported are ${OIDC_ALGORITHMS.join(', ')}.`), `alg ${String(alg)}`);
    if (stop()) return result;
  } else skip('algorithm', 'no header to check');

  // Issuer: the provider's issuer URI, exactly.
  const iss = claims['iss'];
  record('issuer', iss === provider.issuerUri ? undefined : grantError(`The issuer in ID Token ${String(iss)} does not match the expected ones: ${provider.issuerUri}.`), `iss ${String(iss)}`);
  if (stop()) return result;

  // Signature, with the issuer's published keys.
  if (token !== undefined && options.verifySignature !== undefined) {
    let failure: GoogleOAuthError | undefined;
    try {
      await options.verifySignature(token);
    } catch (error) {
      failure = error instanceof GoogleOAuthError ? error : grantError('Invalid ID Token signature.');
    }
    record('signature', failure, "verified with the issuer's JWKS");
    if (stop()) return result;
  } else skip('signature', 'not verified: explain has no keys');

  const missing = REQUIRED_CLAIMS.filter((name) => claims[name] === undefined);
  record('required-claims', missing.length === 0 ? undefined : grantError(`The ID Token is missing the required claim ${missing[0]}.`), REQUIRED_CLAIMS.join(', '));
  if (stop()) return result;

  const aud = claims['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
  const accepted = acceptedAudiences(provider.name, provider.allowedAudiences);
  const matched = audiences.find((value) => accepted.includes(value));
  record('audience', matched === undefined ? grantError(`The audience in ID Token [${audiences.join(', ')}] does not match the expected audience ${accepted.join(', ')}.`) : undefined, `aud ${matched ?? ''}`);
  if (stop()) return result;

  const exp = claims['exp'];
  const iat = claims['iat'];
  const now = options.nowSeconds;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) record('expiry', grantError('The ID Token claim exp must be a whole number of seconds.'), '');
  else record('expiry', now >= exp ? grantError(`The ID Token has expired: exp ${exp} is before the current time ${now}.`) : undefined, `expires in ${exp - now} s`);
  if (stop()) return result;
  if (typeof iat !== 'number' || !Number.isInteger(iat)) record('issued-at', grantError('The ID Token claim iat must be a whole number of seconds.'), '');
  else record('issued-at', iat > now + 60 ? grantError(`The ID Token was issued in the future: iat ${iat} is after the current time ${now}.`) : undefined, `issued ${now - iat} s ago`);
  if (stop()) return result;

  // Attribute mapping.
  const identity: FederatedIdentity = { subject: '', groups: [], attributes: {} };
  const mapped: Record<string, string | string[]> = {};
  let mappingFailure: GoogleOAuthError | undefined;
  for (const [key, expression] of Object.entries(provider.attributeMapping)) {
    let value: unknown;
    try {
      value = options.cel.evaluate(expression, { assertion: claims });
    } catch (error) {
      // Only google.subject is required; an attribute whose claim is absent is left unset.
      if (key === GOOGLE_SUBJECT) mappingFailure ??= new GoogleOAuthError('invalid_request', `The attribute mapping for ${key} (${expression}) could not be evaluated: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    if (key === GOOGLE_GROUPS) {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) mappingFailure ??= new GoogleOAuthError('invalid_request', `The attribute mapping for ${key} must produce a list of strings.`);
      else mapped[key] = identity.groups = value as string[];
      continue;
    }
    if (typeof value !== 'string') {
      mappingFailure ??= new GoogleOAuthError('invalid_request', `The attribute mapping for ${key} must produce a string, not ${typeof value}.`);
      continue;
    }
    mapped[key] = value;
    if (key === GOOGLE_SUBJECT) identity.subject = value;
    const custom = customAttributeName(key);
    if (custom !== undefined) identity.attributes[custom] = value;
  }
  if (mappingFailure === undefined && identity.subject === '') mappingFailure = new GoogleOAuthError('invalid_request', 'The mapped attribute google.subject is empty.');
  if (mappingFailure === undefined) {
    const size = mappedAttributesProblem(mapped);
    if (size !== undefined) mappingFailure = grantError(size);
  }
  record('attribute-mapping', mappingFailure, Object.entries(mapped).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(', '));
  if (mappingFailure !== undefined) return result;

  // Attribute condition.
  if (provider.attributeCondition === undefined) {
    skip('attribute-condition', 'none: every valid token is accepted');
  } else {
    let allowed = false;
    let why = '';
    try {
      const value = options.cel.evaluate(provider.attributeCondition, { assertion: claims, google: { subject: identity.subject, groups: identity.groups }, attribute: identity.attributes });
      allowed = value === true;
      why = `${provider.attributeCondition} → ${String(value)}`;
    } catch (error) {
      why = `${provider.attributeCondition} failed: ${(error as Error).message.split('\n')[0]}`;
    }
    record('attribute-condition', allowed ? undefined : new GoogleOAuthError('unauthorized_client', GOOGLE_MESSAGES.conditionRejected, { detail: why }), why);
    const last = result.checks[result.checks.length - 1] as GcpCheck;
    if (!allowed) last.message = `${GOOGLE_MESSAGES.conditionRejected} (${why})`;
  }
  if (result.refusal === undefined) result.identity = identity;
  return result;
}
