import { RoleportError, isRoleportError } from '../core/index.ts';

/**
 * AWS's STS error codes with the HTTP status AWS answers them with. `Sender` errors are the
 * caller's fault; `Receiver` ones are ours.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 */
export const stsErrorStatus = {
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPCommunicationError: 400,
  IDPRejectedClaim: 403,
  AccessDenied: 403,
  ValidationError: 400,
  MalformedPolicyDocument: 400,
  PackedPolicyTooLarge: 400,
  InvalidAction: 400,
  MissingAction: 400,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  ExpiredToken: 403,
  RequestExpired: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
} as const satisfies Record<string, number>;

export type StsErrorCode = keyof typeof stsErrorStatus;

/**
 * A refusal of the local STS, carrying AWS's error code. Serialized once, as AWS's
 * `ErrorResponse` XML, by {@link renderError}; elsewhere (CLI, logs) it is a
 * `RoleportError` with code `ERR_STS_REFUSED`.
 */
export class StsError extends RoleportError {
  readonly awsCode: StsErrorCode;

  constructor(awsCode: StsErrorCode, message: string, options: { cause?: unknown; detail?: string } = {}) {
    super('ERR_STS_REFUSED', message, { ...options, status: stsErrorStatus[awsCode] });
    this.name = 'StsError';
    this.awsCode = awsCode;
  }
}

export function stsError(awsCode: StsErrorCode, message: string, options?: { cause?: unknown; detail?: string }): StsError {
  return new StsError(awsCode, message, options);
}

/** What AWS would answer for any failure: STS errors as they are, malformed policies as `MalformedPolicyDocument`, an unwritable database as `ServiceUnavailable`, the rest as `InternalFailure`. */
export function toStsError(error: unknown): StsError {
  if (error instanceof StsError) return error;
  if (isRoleportError(error) && error.code === 'ERR_POLICY_MALFORMED') return new StsError('MalformedPolicyDocument', error.message, { cause: error });
  // The database (the credentials or their audit row) refused the write: temporary, worth a retry.
  if (isRoleportError(error) && error.code === 'ERR_STORE_UNAVAILABLE') return new StsError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', { cause: error });
  return new StsError('InternalFailure', 'An internal error occurred. Try again.', { cause: error });
}

/** One constraint violation, worded like AWS's `1 validation error detected: …` messages. */
export interface ValidationIssue {
  /** The parameter in AWS's camelCase, e.g. `roleSessionName`. */
  member: string;
  /** The offending value as AWS shows it (`null` when missing, `'…'` quoted); undefined for secrets, which AWS never echoes. */
  shown: string | undefined;
  constraint: string;
}

/** @see https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html (ValidationError) */
export function validationError(issues: readonly ValidationIssue[]): StsError {
  const count = issues.length;
  const parts = issues.map((issue) => `Value${issue.shown === undefined ? '' : ` ${issue.shown}`} at '${issue.member}' failed to satisfy constraint: ${issue.constraint}`);
  return new StsError('ValidationError', `${count} validation error${count === 1 ? '' : 's'} detected: ${parts.join('; ')}`);
}
