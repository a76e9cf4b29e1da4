import * as client from 'openid-client';
import { RoleportError } from '../core/index.ts';

/**
 * The IdP answered with an OAuth error (`error`, `error_description`): in the callback's
 * query or in a token endpoint response. The web page shows both fields.
 */
export class IdpResponseError extends RoleportError {
  readonly idpError: string;
  readonly idpErrorDescription: string | undefined;

  constructor(idpError: string, idpErrorDescription: string | undefined, message: string, status = 400) {
    super('ERR_SSO_IDP', message, { status, detail: `${idpError}: ${idpErrorDescription ?? ''}` });
    this.name = 'IdpResponseError';
    this.idpError = idpError;
    this.idpErrorDescription = idpErrorDescription;
  }
}

/** What the broker was doing when the IdP failed; it shapes the message. */
export type IdpStep = 'discovery' | 'code' | 'refresh';

const STEP_WORDS: Record<IdpStep, string> = {
  discovery: 'fetching its discovery document',
  code: 'exchanging the sign-in code',
  refresh: 'refreshing the tokens',
};

// openid-client error codes meaning "what came back is not an OAuth/OIDC response at all".
const NOT_AN_OAUTH_RESPONSE = new Set(['OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_PARSE_ERROR', 'OAUTH_TIMEOUT', 'OAUTH_ABORT']);
// ... and "an ID token came back but it is not one for us" (issuer, audience, nonce, signature, times).
const ID_TOKEN_REJECTED = new Set(['OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_INVALID_RESPONSE', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED']);

/**
 * Maps whatever openid-client (or fetch) threw into a RoleportError a person can act on:
 * ERR_SSO_UNREACHABLE (network, timeouts, HTML or 5xx where JSON belongs), ERR_SSO_IDP (an
 * OAuth error from the IdP), ERR_SSO_ID_TOKEN (a token that fails validation).
 */
export function toSsoError(error: unknown, step: IdpStep, issuer: string): RoleportError {
  if (error instanceof RoleportError) return error;
  const doing = STEP_WORDS[step];
  if (error instanceof client.ResponseBodyError) {
    const description = error.error_description;
    if (error.status >= 500) {
      return new RoleportError('ERR_SSO_UNREACHABLE', `the identity provider failed (HTTP ${error.status}) while ${doing}`, { cause: error, detail: `${error.error}: ${description ?? ''}` });
    }
    const hint = error.error === 'invalid_grant' ? (step === 'code' ? ' A sign-in link works once and for a short time; start again.' : ' Sign in again.') : '';
    return new IdpResponseError(error.error, description, `the identity provider refused ${step === 'code' ? 'the sign-in code' : 'the request'} (${error.error}).${hint}`);
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new IdpResponseError(error.error, error.error_description, `the identity provider refused the sign-in (${error.error})`);
  }
  if (error instanceof client.ClientError) {
    const code = error.code ?? '';
    if (NOT_AN_OAUTH_RESPONSE.has(code)) {
      return new RoleportError('ERR_SSO_UNREACHABLE', `the identity provider at ${issuer} did not answer with a valid OAuth response while ${doing} (${error.message})`, { cause: error, detail: describeCause(error) });
    }
    if (step === 'discovery') {
      return new RoleportError('ERR_SSO_UNREACHABLE', `the identity provider's discovery document at ${issuer} is unusable: ${error.message}`, { cause: error, detail: describeCause(error) });
    }
    if (ID_TOKEN_REJECTED.has(code)) {
      return new RoleportError('ERR_SSO_ID_TOKEN', `the ID token from the identity provider failed validation: ${innerMessage(error)}`, { cause: error, detail: describeCause(error) });
    }
    return new RoleportError('ERR_SSO_IDP', `the identity provider's answer could not be used while ${doing}: ${error.message}`, { cause: error, detail: describeCause(error) });
  }
  if (error instanceof TypeError && !('code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_INVALID_ARG'))) {
    // fetch's network failures (refused, reset, DNS) are TypeErrors with the reason in `cause`.
    return new RoleportError('ERR_SSO_UNREACHABLE', `the identity provider at ${issuer} is unreachable while ${doing}`, { cause: error, detail: describeCause(error) });
  }
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new RoleportError('ERR_SSO_UNREACHABLE', `the identity provider at ${issuer} did not answer in time while ${doing}`, { cause: error });
  }
  return new RoleportError('ERR_INTERNAL', `single sign-on failed while ${doing}`, { cause: error, detail: describeCause(error) });
}

/**
 * openid-client wraps the precise reason (`unexpected JWT "iss" (issuer) claim value`) in a
 * generic message; the precise one is what an admin needs.
 */
function innerMessage(error: client.ClientError): string {
  return error.cause instanceof Error && error.cause.message.length > 0 ? error.cause.message : error.message;
}

function describeCause(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    parts.push(`${current.name}: ${current.message}`);
    current = current.cause;
  }
  return parts.join(' <- ');
}
