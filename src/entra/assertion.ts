/**
 * What Entra checks in a federated client assertion for one application, step by step:
 * shape, algorithm, a credential with the token's issuer, the signature (the issuer's
 * JWKS), the time range, then a credential with the exact subject and audience. The token
 * endpoint stops at the first failure; `explain` runs every step it can — the same
 * functions, so they cannot disagree.
 * @see https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation
 */
import { ASSERTION_ALGORITHMS, ASSERTION_CLOCK_SKEW_SECONDS } from '../azure/index.ts';
import { decodeSignedJwt } from '../jwks/index.ts';
import { CHECK_CREDENTIAL, EntraError } from './errors.ts';
import type { EntraFederatedCredential } from './registry.ts';

export type EntraCheckName = 'token-shape' | 'algorithm' | 'issuer' | 'signature' | 'time-range' | 'subject' | 'audience';

export interface EntraCheck {
  name: EntraCheckName;
  status: 'pass' | 'fail' | 'skip';
  message: string;
  aadsts?: number;
}

export interface AssertionEvaluation {
  checks: EntraCheck[];
  claims: Record<string, unknown> | undefined;
  /** The credential every check matched. */
  credential: EntraFederatedCredential | undefined;
  refusal: EntraError | undefined;
}

export interface EvaluateAssertionOptions {
  /** The application's credentials. */
  credentials: readonly EntraFederatedCredential[];
  token: string | { claims: Record<string, unknown> };
  nowSeconds: number;
  /** Verifies the signature with the issuer's keys; undefined = skipped (explain). Throws an EntraError. */
  verifySignature?: ((token: string, issuer: string) => Promise<void>) | undefined;
  stopAtFirstFailure: boolean;
}

const isoTime = (seconds: number): string => new Date(seconds * 1000).toISOString();

export async function evaluateAssertion(options: EvaluateAssertionOptions): Promise<AssertionEvaluation> {
  const result: AssertionEvaluation = { checks: [], claims: undefined, credential: undefined, refusal: undefined };
  const record = (name: EntraCheckName, failure: EntraError | undefined, message: string): boolean => {
    if (failure === undefined) {
      result.checks.push({ name, status: 'pass', message });
      return true;
    }
    result.checks.push({ name, status: 'fail', message: failure.message, aadsts: failure.aadsts });
    result.refusal ??= failure;
    return false;
  };
  const skip = (name: EntraCheckName, message: string): void => {
    result.checks.push({ name, status: 'skip', message });
  };
  const stop = (): boolean => options.stopAtFirstFailure && result.refusal !== undefined;

  let header: Record<string, unknown> | undefined;
  let token: string | undefined;
  if (typeof options.token === 'string') {
    token = options.token;
    const decoded = decodeSignedJwt(token);
    header = decoded?.header;
    result.claims = decoded?.payload;
    if (!record('token-shape', decoded === undefined ? new EntraError('malformedToken', 'JWT token is invalid or malformed.') : undefined, 'a signed JWT')) return result;
  } else {
    result.claims = options.token.claims;
    skip('token-shape', 'claims given, not a token');
  }
  const claims = result.claims as Record<string, unknown>;

  if (header !== undefined) {
    const alg = header['alg'];
    record('algorithm', (ASSERTION_ALGORITHMS as readonly string[]).includes(String(alg)) ? undefined : new EntraError('malformedToken', `JWT token is invalid or malformed: signing algorithm ${JSON.stringify(alg ?? null)} is not supported (${ASSERTION_ALGORITHMS.join(', ')}).`), `alg ${String(alg)}`);
    if (stop()) return result;
  } else skip('algorithm', 'no header to check');

  const iss = String(claims['iss'] ?? '');
  const byIssuer = options.credentials.filter((credential) => credential.issuer === iss);
  record('issuer', byIssuer.length === 0 ? new EntraError('noMatchingIssuer', `No matching federated identity record found for presented assertion issuer '${iss}'. ${CHECK_CREDENTIAL}`) : undefined, `iss ${iss}`);
  if (stop()) return result;

  if (token !== undefined && options.verifySignature !== undefined && byIssuer.length > 0) {
    let failure: EntraError | undefined;
    try {
      await options.verifySignature(token, iss);
    } catch (error) {
      failure = error instanceof EntraError ? error : new EntraError('invalidSignature', 'Client assertion contains an invalid signature.');
    }
    record('signature', failure, "verified with the issuer's JWKS");
    if (stop()) return result;
  } else skip('signature', options.verifySignature === undefined ? 'not verified: explain has no keys' : 'no credential names this issuer');

  const exp = claims['exp'];
  const nbf = typeof claims['nbf'] === 'number' ? (claims['nbf'] as number) : typeof claims['iat'] === 'number' ? (claims['iat'] as number) : undefined;
  const now = options.nowSeconds;
  const inRange = typeof exp === 'number' && now < exp + ASSERTION_CLOCK_SKEW_SECONDS && (nbf === undefined || nbf <= now + ASSERTION_CLOCK_SKEW_SECONDS);
  record(
    'time-range',
    inRange ? undefined : new EntraError('assertionTimeRange', `Client assertion is not within its valid time range. Current time: ${isoTime(now)}, assertion valid from ${nbf === undefined ? '-' : isoTime(nbf)}, expiry time of assertion ${typeof exp === 'number' ? isoTime(exp) : '-'}.`),
    typeof exp === 'number' ? `expires ${isoTime(exp)}` : '',
  );
  if (stop()) return result;

  const sub = String(claims['sub'] ?? '');
  const bySubject = byIssuer.filter((credential) => credential.subject === sub);
  record('subject', bySubject.length === 0 ? new EntraError('noMatchingSubject', `No matching federated identity record found for presented assertion subject '${sub}'. ${CHECK_CREDENTIAL}`) : undefined, `sub ${sub}`);
  if (stop()) return result;

  const aud = claims['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
  const matched = bySubject.find((credential) => credential.audiences.some((audience) => audiences.includes(audience)));
  record('audience', matched === undefined ? new EntraError('noMatchingAudience', `No matching federated identity record found for presented assertion audience '${audiences.join(',')}'. ${CHECK_CREDENTIAL}`) : undefined, `aud ${audiences.join(',')}`);
  if (result.refusal === undefined) result.credential = matched;
  return result;
}
