import { errorCodes, RoleportError, type ErrorCode } from '../core/index.ts';

/**
 * A call to the broker that failed. `retryable` says whether the same call may succeed
 * later (network, timeout, 5xx, `temporarily_unavailable`); `oauthError` carries the token
 * endpoint's OAuth error code (`invalid_grant`, …) when there is one.
 */
export class BrokerClientError extends RoleportError {
  readonly retryable: boolean;
  readonly oauthError: string | undefined;
  /** The broker's HTTP status, or undefined when no response arrived. */
  readonly httpStatus: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable: boolean; oauthError?: string | undefined; httpStatus?: number | undefined; cause?: unknown },
  ) {
    super(code, message, {
      cause: options.cause,
      ...(options.httpStatus !== undefined && options.httpStatus >= 400 ? { status: options.httpStatus } : {}),
    });
    this.name = 'BrokerClientError';
    this.retryable = options.retryable;
    this.oauthError = options.oauthError;
    this.httpStatus = options.httpStatus;
  }
}

export function isBrokerClientError(value: unknown): value is BrokerClientError {
  return value instanceof BrokerClientError;
}

/** OAuth token-endpoint errors (RFC 6749 §5.2, RFC 8693 §2.2.2) as Roleport codes. */
const OAUTH_ERRORS: Readonly<Record<string, { code: ErrorCode; retryable: boolean }>> = {
  invalid_grant: { code: 'ERR_GRANT_INVALID', retryable: false },
  invalid_target: { code: 'ERR_TARGET_INVALID', retryable: false },
  invalid_request: { code: 'ERR_INPUT_INVALID', retryable: false },
  invalid_client: { code: 'ERR_UNAUTHENTICATED', retryable: false },
  unauthorized_client: { code: 'ERR_FORBIDDEN', retryable: false },
  unsupported_grant_type: { code: 'ERR_INPUT_INVALID', retryable: false },
  invalid_scope: { code: 'ERR_INPUT_INVALID', retryable: false },
  temporarily_unavailable: { code: 'ERR_TOKEN_SOURCE_UNAVAILABLE', retryable: true },
  server_error: { code: 'ERR_BROKER_UNAVAILABLE', retryable: true },
};

export function oauthErrorToClientError(status: number, error: string, description: string | undefined): BrokerClientError {
  const known = OAUTH_ERRORS[error];
  const retryable = known?.retryable ?? status >= 500;
  const code: ErrorCode = known?.code ?? (status >= 500 ? 'ERR_BROKER_UNAVAILABLE' : 'ERR_INPUT_INVALID');
  return new BrokerClientError(code, `${error}${description === undefined ? '' : `: ${description}`}`, { retryable, oauthError: error, httpStatus: status });
}

/** An API error body `{code, message}`; unknown codes fall back to one for the status. */
export function apiErrorToClientError(status: number, code: unknown, message: unknown): BrokerClientError {
  const text = typeof message === 'string' && message !== '' ? message : `HTTP ${status}`;
  const knownCode = typeof code === 'string' && code in errorCodes ? (code as ErrorCode) : undefined;
  return new BrokerClientError(knownCode ?? codeForStatus(status), text, { retryable: status >= 500 || status === 429, httpStatus: status });
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'ERR_UNAUTHENTICATED';
  if (status === 403) return 'ERR_FORBIDDEN';
  if (status === 404) return 'ERR_NOT_FOUND';
  if (status === 409) return 'ERR_SESSION_INACTIVE';
  if (status >= 500 || status === 429) return 'ERR_BROKER_UNAVAILABLE';
  return 'ERR_INPUT_INVALID';
}
