import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { isRoleportError, type ErrorCode } from '../../core/index.ts';
import { IdpResponseError } from '../../sso/index.ts';
import { renderErrorPage, type ErrorView, type PageContext } from '../../web/index.ts';

const TITLES: Partial<Record<ErrorCode, string>> = {
  ERR_SSO_STATE: 'Sign-in could not be verified',
  ERR_SSO_IDP: 'The identity provider refused the sign-in',
  ERR_SSO_UNREACHABLE: 'The identity provider is unreachable',
  ERR_SSO_ID_TOKEN: 'The identity provider’s token was rejected',
  ERR_SSO_ACCOUNT: 'Your account cannot be used here',
  ERR_SSO_DISABLED: 'Single sign-on is not configured',
  ERR_SSO_REFRESH: 'Please sign in again',
  ERR_CSRF: 'The form could not be accepted',
  ERR_RATE_LIMITED: 'Too many requests',
  ERR_NOT_FOUND: 'Page not found',
  ERR_FORBIDDEN: 'Not allowed',
  ERR_INPUT_INVALID: 'The request is not valid',
};

// Sign-in failures: their page offers to sign in again. (What a page may show follows the
// one rule of core/errors.ts: a 5xx message never; the title by code says what happened.)
const SIGN_IN_CODES = new Set<ErrorCode>(['ERR_SSO_STATE', 'ERR_SSO_IDP', 'ERR_SSO_UNREACHABLE', 'ERR_SSO_ID_TOKEN', 'ERR_SSO_ACCOUNT', 'ERR_SSO_DISABLED', 'ERR_SSO_REFRESH']);

/**
 * The web UI's error serializer: a clear HTML page with the error's status, in the same
 * layout as every page (the navigation and who is signed in: `pageOf`). The IdP's own
 * `error`/`error_description` are shown escaped; internals of a 5xx never are.
 */
export function registerHtmlErrorHandler(scope: FastifyInstance, pageOf: (request: FastifyRequest) => Promise<PageContext>): void {
  scope.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    const view = errorViewFor(error);
    if (view.status >= 500) request.log.error({ err: error }, 'page failed');
    const page = await pageOf(request);
    return reply.status(view.status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderErrorPage({ ...page, notice: undefined }, view));
  });
}

/** The page for an error: its status, a title by code, and the message where it may be shown. */
export function errorViewFor(error: FastifyError | Error): ErrorView {
  if (isRoleportError(error)) {
    return {
      status: error.status,
      title: TITLES[error.code] ?? (error.status >= 500 ? 'Something went wrong' : 'The request could not be completed'),
      message: error.expose ? error.message : 'an internal error occurred; the details are in the broker’s log',
      idpError: error instanceof IdpResponseError ? { error: error.idpError, description: error.idpErrorDescription } : undefined,
      retrySignIn: SIGN_IN_CODES.has(error.code) || error.code === 'ERR_CSRF',
    };
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError.validation !== undefined ? 400 : (fastifyError.statusCode ?? 500);
  return {
    status,
    title: status >= 500 ? 'Something went wrong' : 'The request is not valid',
    message: status >= 500 ? 'an internal error occurred; the details are in the broker’s log' : fastifyError.message,
    retrySignIn: false,
  };
}
