/**
 * Google's two error shapes: the STS answers OAuth JSON (`{error, error_description}`, RFC
 * 6749 §5.2, HTTP 400), the IAM Credentials API answers a Google API error
 * (`{error: {code, message, status}}`).
 * @see https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
 * @see https://cloud.google.com/apis/design/errors#http_mapping
 */
import { RoleportError } from '../core/index.ts';

export type GoogleOAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'unauthorized_client' | 'invalid_target' | 'unsupported_grant_type' | 'invalid_scope';

/** An STS refusal, as Google words it where its messages are known. */
export class GoogleOAuthError extends RoleportError {
  readonly oauthError: GoogleOAuthErrorCode;
  constructor(oauthError: GoogleOAuthErrorCode, description: string, options: { detail?: string; status?: number } = {}) {
    super('ERR_GCP_STS_REFUSED', description, { status: options.status ?? 400, ...(options.detail === undefined ? {} : { detail: options.detail }) });
    this.name = 'GoogleOAuthError';
    this.oauthError = oauthError;
  }
}

export type GoogleApiStatus = 'INVALID_ARGUMENT' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND';
const HTTP_STATUS: Record<GoogleApiStatus, number> = { INVALID_ARGUMENT: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404 };

/** A refusal of the IAM Credentials API. */
export class GoogleApiError extends RoleportError {
  readonly apiStatus: GoogleApiStatus;
  constructor(apiStatus: GoogleApiStatus, message: string, options: { detail?: string } = {}) {
    super('ERR_GCP_STS_REFUSED', message, { status: HTTP_STATUS[apiStatus], ...(options.detail === undefined ? {} : { detail: options.detail }) });
    this.name = 'GoogleApiError';
    this.apiStatus = apiStatus;
  }
}

export interface GoogleResponse {
  status: number;
  body: Record<string, unknown>;
}

export function renderOAuthError(error: GoogleOAuthError): GoogleResponse {
  return { status: error.status, body: { error: error.oauthError, error_description: error.message } };
}

export function renderApiError(error: GoogleApiError): GoogleResponse {
  return { status: error.status, body: { error: { code: error.status, message: error.message, status: error.apiStatus } } };
}

/** Google's words for the common refusals (kept in one place: the endpoint and explain both use them). */
export const GOOGLE_MESSAGES = {
  audienceInvalid:
    'Invalid value for "audience". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.',
  targetInvalid:
    'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
  conditionRejected: 'The given credential is rejected by the attribute condition.',
  unauthenticated: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  insufficientScopes: 'Request had insufficient authentication scopes.',
  permissionDenied: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
} as const;
