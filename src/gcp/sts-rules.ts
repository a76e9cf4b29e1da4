/**
 * Google's Security Token Service token exchange (`POST https://sts.googleapis.com/v1/token`,
 * RFC 8693) as it takes an OIDC token for a workload identity pool provider.
 * @see https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
 * @see https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers#oidc
 * @see https://cloud.google.com/iam/docs/workload-identity-federation-with-other-providers
 */
import type { WorkloadIdentityProviderName } from './resource-names.ts';

export const STS_URL = 'https://sts.googleapis.com/v1/token';
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The only `requested_token_type`: a Google access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** `subject_token_type` values for an OIDC token. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const OIDC_SUBJECT_TOKEN_TYPES = [JWT_TOKEN_TYPE, ID_TOKEN_TYPE] as const;
/** The scope `generateAccessToken` needs on the federated token, and the libraries' default. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** An OIDC provider's keys may be RSA or EC ("RSA and EC asymmetric keys are supported"). */
export const OIDC_ALGORITHMS = ['RS256', 'ES256'] as const;

/** `oidc.allowedAudiences`: at most 10, each at most 256 characters. */
export const MAX_ALLOWED_AUDIENCES = 10;
export const MAX_AUDIENCE_LENGTH = 256;

/** A federated access token lives an hour (`expires_in: 3600`). */
export const FEDERATED_TOKEN_LIFETIME_SECONDS = 3600;

/**
 * The `aud` values a provider accepts: its `allowedAudiences`, or, when none are configured,
 * its own resource name with or without the `https:` prefix.
 */
export function acceptedAudiences(provider: WorkloadIdentityProviderName, allowedAudiences: readonly string[]): readonly string[] {
  return allowedAudiences.length > 0 ? allowedAudiences : [provider.audience, provider.httpsAudience];
}

/** Why an `allowedAudiences` list breaks Google's limits, or undefined. */
export function allowedAudiencesProblem(audiences: readonly string[]): string | undefined {
  if (audiences.length > MAX_ALLOWED_AUDIENCES) return `at most ${MAX_ALLOWED_AUDIENCES} allowed audiences`;
  const bad = audiences.find((audience) => audience.length === 0 || audience.length > MAX_AUDIENCE_LENGTH);
  return bad === undefined ? undefined : `allowed audience ${JSON.stringify(bad)} must be 1-${MAX_AUDIENCE_LENGTH} characters`;
}

/**
 * `oidc.issuerUri` must be an https URL. The local counterpart also takes http:// (loopback
 * issuers in tests and `roleport dev`), as the local AWS STS does.
 */
export function issuerUriProblem(value: string, options: { allowHttp: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `issuer URI ${JSON.stringify(value)} is not a URL`;
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) return `issuer URI ${JSON.stringify(value)} must use https`;
  if (url.search !== '' || url.hash !== '') return `issuer URI ${JSON.stringify(value)} must have no query or fragment`;
  return undefined;
}
