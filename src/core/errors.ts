/**
 * One error model for the whole broker. Every failure a caller can act on is a
 * `RoleportError` with a stable `code`; each protocol adapter (OAuth JSON, STS XML,
 * API JSON, HTML, CLI) serializes it in exactly one place.
 */

/** One entry of the catalogue. */
export interface ErrorCodeInfo {
  /** The HTTP status the error is answered with (a `RoleportError` may override it). */
  readonly status: number;
  /**
   * The number the publishing server's API shape carries in `code` (`/__api__/` routes:
   * `{code, error, payload}`, whose clients read an integer there). Stable, never reused.
   */
  readonly apiCode: number;
  /** What went wrong, for docs/errors.md. */
  readonly description: string;
}

/**
 * Stable error codes. Adding one is a minor change; renaming one is breaking. Whether a
 * message may reach the caller follows from the status alone (`expose` is `status < 500`):
 * docs/errors.md is generated from this table (`npm run docs:errors`).
 */
export const errorCodes = {
  ERR_CONFIG_INVALID: { status: 500, apiCode: 1, description: 'The configuration (file, environment, flags) is not valid; the message names the key.' },
  ERR_MASTER_KEY_MISMATCH: { status: 500, apiCode: 2, description: 'The master key does not open the secrets stored in the database.' },
  ERR_SECRET_TAMPERED: { status: 500, apiCode: 3, description: 'A stored secret failed its integrity check.' },
  ERR_STORE_UNAVAILABLE: { status: 503, apiCode: 4, description: 'The database is unreachable or refused a write.' },
  ERR_STORE_CONFLICT: { status: 409, apiCode: 5, description: 'A write conflicts with the stored state (a duplicate name, a concurrent change).' },
  ERR_KEY_NOT_FOUND: { status: 404, apiCode: 6, description: 'No signing key has that key ID.' },
  ERR_KEY_NO_ACTIVE: { status: 503, apiCode: 7, description: 'No signing key is active, so nothing can be signed.' },
  ERR_INPUT_INVALID: { status: 400, apiCode: 8, description: 'The request or command input is not valid; the message names the field.' },
  ERR_NOT_FOUND: { status: 404, apiCode: 9, description: 'The route or the object does not exist.' },
  ERR_UNAUTHENTICATED: { status: 401, apiCode: 10, description: 'No valid credential (API key, token, sign-in) came with the request.' },
  ERR_FORBIDDEN: { status: 403, apiCode: 11, description: 'The caller is known but may not do this.' },
  ERR_TOKEN_INVALID: { status: 400, apiCode: 12, description: 'A token does not decode or verify.' },
  ERR_POLICY_MALFORMED: { status: 400, apiCode: 13, description: 'An IAM policy document is not valid; the message names the element (MalformedPolicyDocument at AWS).' },
  ERR_STS_REFUSED: { status: 400, apiCode: 14, description: "The local STS refused a request; the error carries AWS's error code and status." },
  ERR_GCP_STS_REFUSED: { status: 400, apiCode: 15, description: "The local Google STS or IAM Credentials endpoint refused a request; the error carries Google's error shape." },
  ERR_ENTRA_REFUSED: { status: 400, apiCode: 16, description: "The local Entra token endpoint refused a request; the error carries Entra's AADSTS code." },
  ERR_SSO_STATE: { status: 400, apiCode: 17, description: 'A sign-in came back without the state, nonce or PKCE verifier it started with.' },
  ERR_SSO_IDP: { status: 502, apiCode: 18, description: 'The identity provider answered a sign-in step with an error.' },
  ERR_SSO_UNREACHABLE: { status: 502, apiCode: 19, description: 'The identity provider is unreachable.' },
  ERR_SSO_ID_TOKEN: { status: 400, apiCode: 20, description: "The identity provider's ID token failed validation." },
  ERR_SSO_ACCOUNT: { status: 403, apiCode: 21, description: 'The identity maps to no usable account.' },
  ERR_SSO_DISABLED: { status: 404, apiCode: 22, description: 'Single sign-on is not configured.' },
  ERR_SSO_REFRESH: { status: 401, apiCode: 23, description: 'The identity provider no longer honours the stored refresh token: sign in again.' },
  ERR_CSRF: { status: 403, apiCode: 24, description: "A form post came without this browser's CSRF token." },
  ERR_RATE_LIMITED: { status: 429, apiCode: 38, description: 'Too many requests from one client address to a rate-limited route (config `rateLimits`); retry after the Retry-After seconds.' },
  ERR_INTERNAL: { status: 500, apiCode: 25, description: "An unexpected failure; the details are in the broker's log." },
  ERR_GRANT_INVALID: { status: 400, apiCode: 26, description: 'A token exchange was refused: the subject token is not valid for it (OAuth invalid_grant).' },
  ERR_TARGET_INVALID: { status: 400, apiCode: 27, description: 'A token exchange asked for an audience or resource it may not have (OAuth invalid_target).' },
  ERR_SESSION_INACTIVE: { status: 409, apiCode: 28, description: 'The session has ended or was revoked.' },
  ERR_TOKEN_SOURCE_UNAVAILABLE: { status: 503, apiCode: 29, description: "The session's token source (the IdP, the signing key) cannot issue a token right now; retry." },
  ERR_GRANT_TYPE_UNSUPPORTED: { status: 400, apiCode: 30, description: 'The token endpoint does not take that grant type.' },
  ERR_BROKER_UNAVAILABLE: { status: 503, apiCode: 31, description: 'The CLI or agent cannot reach the broker.' },
  ERR_BROKER_PROTOCOL: { status: 502, apiCode: 32, description: 'The broker answered with something the CLI or agent cannot read.' },
  ERR_STS_REJECTED: { status: 403, apiCode: 33, description: 'AWS STS refused the token exchange for a reason a retry will not fix.' },
  ERR_STS_UNAVAILABLE: { status: 503, apiCode: 34, description: 'AWS STS could not be reached or failed; retry.' },
  ERR_CREDENTIALS_UNAVAILABLE: { status: 503, apiCode: 35, description: 'No valid AWS credentials are available for the session right now.' },
  ERR_SIGN_IN_TIMEOUT: { status: 504, apiCode: 37, description: '`roleport login`: the browser did not come back in time (a failure, not bad input: exit 1).' },
  ERR_AWS_ISSUER_UNREACHABLE: { status: 502, apiCode: 36, description: "The setup generators could not inspect the issuer's TLS endpoint or discovery document." },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;

export interface RoleportErrorOptions {
  cause?: unknown;
  /** Server-only context for logs; never sent to a client. */
  detail?: string;
  /** Overrides the code's default HTTP status. */
  status?: number;
}

export class RoleportError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Whether `message` may be shown to the caller: one rule, `status < 500`, as node-oidc-provider's. */
  readonly expose: boolean;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: RoleportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RoleportError';
    this.code = code;
    this.status = options.status ?? errorCodes[code].status;
    this.expose = this.status < 500;
    this.detail = options.detail;
  }
}

export function isRoleportError(value: unknown): value is RoleportError {
  return value instanceof RoleportError;
}

/** Shorthand for bad input: a 400 whose message names what is wrong. */
export function invalidInput(message: string, options?: RoleportErrorOptions): RoleportError {
  return new RoleportError('ERR_INPUT_INVALID', message, options);
}
