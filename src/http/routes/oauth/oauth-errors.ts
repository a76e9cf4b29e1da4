import type { FastifyError, FastifyInstance } from 'fastify';
import { isRoleportError, type ErrorCode } from '../../../core/index.ts';
import { StsExchangeError } from '../../../aws/index.ts';
import { isPublishingApiPath, publishingApiErrorFields } from '../../plugins/errors.ts';

/** RFC 6749 §5.2 / RFC 8693 §2.2.2 error codes (and access_denied), with the status each is sent with. */
const OAUTH_ERRORS: Partial<Record<ErrorCode, { error: string; status: number }>> = {
  ERR_INPUT_INVALID: { error: 'invalid_request', status: 400 },
  ERR_GRANT_INVALID: { error: 'invalid_grant', status: 400 },
  ERR_SSO_ID_TOKEN: { error: 'invalid_grant', status: 400 },
  ERR_TARGET_INVALID: { error: 'invalid_target', status: 400 },
  // An integration not granted to the content: the server refuses, whoever asks (RFC 6749 §4.1.2.1's access_denied).
  ERR_FORBIDDEN: { error: 'access_denied', status: 403 },
  ERR_GRANT_TYPE_UNSUPPORTED: { error: 'unsupported_grant_type', status: 400 },
  ERR_TOKEN_SOURCE_UNAVAILABLE: { error: 'temporarily_unavailable', status: 503 },
  ERR_STORE_UNAVAILABLE: { error: 'temporarily_unavailable', status: 503 },
  // No OAuth code says "slow down" at the token endpoint; clients retry temporarily_unavailable after Retry-After.
  ERR_RATE_LIMITED: { error: 'temporarily_unavailable', status: 429 },
  ERR_KEY_NO_ACTIVE: { error: 'temporarily_unavailable', status: 503 },
};

const TEMPORARY_DESCRIPTION = 'the broker cannot issue a token right now; retry later';

/**
 * The OAuth JSON error serializer for one route scope: `{error, error_description}`, never
 * cached. The only place OAuth errors are shaped (the agents' token endpoint and content's
 * credentials exchange); 5xx descriptions are generic, the cause goes to the log. An STS
 * refusal keeps STS's code and message: what a developer needs to fix the role. Under
 * `/__api__/` (the credentials exchange) the body also carries the fields the publishing
 * server's clients read (`code`, `payload`, and `roleport_code`), beside RFC 6749's.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function registerOAuthErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((failure: FastifyError | Error, request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const send = (status: number, code: ErrorCode, body: { error: string; error_description: string }) =>
      reply.status(status).send(isPublishingApiPath(request.url) ? { ...body, ...publishingApiErrorFields(code) } : body);
    if (failure instanceof StsExchangeError) {
      if (failure.retryable) {
        request.log.error({ err: failure }, 'STS unavailable');
        return send(503, failure.code, { error: 'temporarily_unavailable', error_description: failure.message });
      }
      request.log.info({ stsCode: failure.stsCode }, 'STS refused the exchange');
      return send(400, failure.code, { error: 'invalid_grant', error_description: failure.message });
    }
    if (isRoleportError(failure)) {
      const mapped = OAUTH_ERRORS[failure.code];
      if (mapped === undefined || mapped.status >= 500 || failure.status >= 500) {
        request.log.error({ err: failure, detail: failure.detail }, failure.message);
        const error = mapped?.error ?? 'server_error';
        return send(mapped?.status ?? 500, failure.code, { error, error_description: error === 'server_error' ? 'internal error' : TEMPORARY_DESCRIPTION });
      }
      return send(mapped.status, failure.code, { error: mapped.error, error_description: failure.message });
    }
    const fastifyError = failure as FastifyError;
    const status = fastifyError.statusCode ?? 500;
    if (fastifyError.validation !== undefined || (status >= 400 && status < 500)) {
      // Schema failures, a body that does not parse, a wrong content type: all malformed requests.
      return send(400, 'ERR_INPUT_INVALID', { error: 'invalid_request', error_description: fastifyError.message });
    }
    request.log.error({ err: failure }, 'token request failed');
    return send(500, 'ERR_INTERNAL', { error: 'server_error', error_description: 'internal error' });
  });
}
