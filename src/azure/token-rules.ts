/**
 * The Microsoft identity platform's token endpoint with a federated client assertion
 * (client credentials flow), its error codes, and the discovery documents MSAL reads first.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#third-case-access-token-request-with-a-federated-credential
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */

export const CLIENT_CREDENTIALS_GRANT = 'client_credentials';
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The default authority host and what `AZURE_AUTHORITY_HOST` replaces. */
export const PUBLIC_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** Entra verifies external tokens signed with RSA keys. */
export const ASSERTION_ALGORITHMS = ['RS256'] as const;
/** Entra allows some clock skew on the assertion's `exp`/`nbf`. */
export const ASSERTION_CLOCK_SKEW_SECONDS = 300;
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

/** `scope` for client credentials: one resource's `/.default`. */
export function clientCredentialsScopeProblem(scope: string): string | undefined {
  const scopes = scope.split(' ').filter((item) => item.length > 0);
  if (scopes.length === 0) return "The request body must contain the following parameter: 'scope'.";
  const defaults = scopes.filter((item) => item.endsWith('/.default'));
  if (defaults.length !== 1 || scopes.length !== 1) return `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`;
  return undefined;
}

/** The AADSTS codes the token endpoint answers with for a federated assertion, and the OAuth error each comes with. */
export const AADSTS = {
  /** Required parameter missing. */
  missingParameter: { code: 900144, error: 'invalid_request' },
  /** Grant type not supported. */
  unsupportedGrant: { code: 70003, error: 'unsupported_grant_type' },
  invalidScope: { code: 1002012, error: 'invalid_scope' },
  tenantNotFound: { code: 90002, error: 'invalid_request' },
  applicationNotFound: { code: 700016, error: 'unauthorized_client' },
  /** The assertion is not a JWT Entra can read. */
  malformedToken: { code: 50027, error: 'invalid_request' },
  /** Signature does not verify with the issuer's keys. */
  invalidSignature: { code: 700027, error: 'invalid_client' },
  /** `exp`/`nbf` outside the valid time range. */
  assertionTimeRange: { code: 700024, error: 'invalid_client' },
  /** The issuer's keys could not be fetched. */
  issuerUnreachable: { code: 50166, error: 'invalid_client' },
  noMatchingRecord: { code: 70021, error: 'invalid_client' },
  noMatchingIssuer: { code: 700211, error: 'invalid_client' },
  noMatchingAudience: { code: 700212, error: 'invalid_client' },
  noMatchingSubject: { code: 700213, error: 'invalid_client' },
} as const satisfies Record<string, { code: number; error: string }>;

export type AadstsReason = keyof typeof AADSTS;
