/**
 * One error model for the whole broker. Every failure a caller can act on is a
 * `RoleportError` with a stable `code`; each protocol adapter (OAuth JSON, STS XML,
 * API JSON, HTML, CLI) serializes it in exactly one place.
 */

/** Stable error codes. Adding one is a minor change; renaming one is breaking. */
export const errorCodes = {
  ERR_CONFIG_INVALID: { status: 500, expose: true },
  ERR_MASTER_KEY_MISMATCH: { status: 500, expose: true },
  ERR_SECRET_TAMPERED: { status: 500, expose: false },
  ERR_STORE_UNAVAILABLE: { status: 503, expose: false },
  ERR_STORE_CONFLICT: { status: 409, expose: true },
  ERR_KEY_NOT_FOUND: { status: 404, expose: true },
  ERR_KEY_NO_ACTIVE: { status: 503, expose: false },
  ERR_INPUT_INVALID: { status: 400, expose: true },
  ERR_NOT_FOUND: { status: 404, expose: true },
  ERR_UNAUTHENTICATED: { status: 401, expose: true },
  ERR_FORBIDDEN: { status: 403, expose: true },
  ERR_TOKEN_INVALID: { status: 400, expose: true },
  ERR_POLICY_MALFORMED: { status: 400, expose: true },
  /** The local STS refused a request; `StsError.awsCode` (src/sts) carries AWS's error code and status. */
  ERR_STS_REFUSED: { status: 400, expose: true },
  /** The local Google STS or IAM Credentials endpoint refused a request; the error (src/gcp-sts) carries Google's error shape. */
  ERR_GCP_STS_REFUSED: { status: 400, expose: true },
  /** The local Entra token endpoint refused a request; the error (src/entra) carries Entra's AADSTS code. */
  ERR_ENTRA_REFUSED: { status: 400, expose: true },
  ERR_SSO_STATE: { status: 400, expose: true },
  ERR_SSO_IDP: { status: 502, expose: true },
  ERR_SSO_UNREACHABLE: { status: 502, expose: true },
  // Single sign-on: an ID token that fails validation, an IdP identity that maps to no
  // usable account, SSO switched off, a refresh token the IdP no longer honours, CSRF.
  ERR_SSO_ID_TOKEN: { status: 400, expose: true },
  ERR_SSO_ACCOUNT: { status: 403, expose: true },
  ERR_SSO_DISABLED: { status: 404, expose: true },
  ERR_SSO_REFRESH: { status: 401, expose: true },
  ERR_CSRF: { status: 403, expose: true },
  /** Too many requests from one client address to a rate-limited route (config `rateLimits`). */
  ERR_RATE_LIMITED: { status: 429, expose: true },
  ERR_INTERNAL: { status: 500, expose: false },
  // Sessions and their token exchange (OAuth: invalid_grant, invalid_target, temporarily_unavailable).
  ERR_GRANT_INVALID: { status: 400, expose: true },
  ERR_TARGET_INVALID: { status: 400, expose: true },
  ERR_SESSION_INACTIVE: { status: 409, expose: true },
  ERR_TOKEN_SOURCE_UNAVAILABLE: { status: 503, expose: false },
  ERR_GRANT_TYPE_UNSUPPORTED: { status: 400, expose: true },
  // Clients of the broker (CLI, agent) and of AWS STS: unreachable or garbled peers, refusals.
  ERR_BROKER_UNAVAILABLE: { status: 503, expose: false },
  ERR_BROKER_PROTOCOL: { status: 502, expose: false },
  ERR_STS_REJECTED: { status: 403, expose: true },
  ERR_STS_UNAVAILABLE: { status: 503, expose: false },
  ERR_CREDENTIALS_UNAVAILABLE: { status: 503, expose: false },
  // `roleport login`: the browser did not come back in time (a failure, not bad input: exit 1).
  ERR_SIGN_IN_TIMEOUT: { status: 504, expose: false },
  // AWS setup generators: the issuer's TLS endpoint or discovery could not be inspected.
  ERR_AWS_ISSUER_UNREACHABLE: { status: 502, expose: true },
} as const satisfies Record<string, { status: number; expose: boolean }>;

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
  /** Whether `message` may be shown to the caller (false for every 5xx). */
  readonly expose: boolean;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: RoleportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RoleportError';
    this.code = code;
    this.status = options.status ?? errorCodes[code].status;
    this.expose = this.status < 500 && errorCodes[code].expose;
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
