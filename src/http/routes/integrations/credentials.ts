import type { FastifyError, FastifyInstance } from 'fastify';
import { RoleportError, invalidInput, isRoleportError, type ErrorCode } from '../../../core/index.ts';
import { StsExchangeError } from '../../../aws/sts-exchange.ts';
import { AWS_CREDENTIALS_TOKEN_TYPE, CREDENTIALS_PATH, encodeAwsCredentials, type Integrations } from '../../../integrations/index.ts';

export interface CredentialsRouteOptions {
  integrations: Pick<Integrations, 'exchangeCredentials'>;
}

interface CredentialsRequestBody {
  grant_type: string;
  subject_token?: string;
  subject_token_type?: string;
  requested_token_type?: string;
  audience?: string;
  resource?: string;
  actor_token?: string;
  scope?: string;
}

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const FORM = 'application/x-www-form-urlencoded';
const single = (maxLength: number) => ({ type: 'string', maxLength }) as const;

/** RFC 6749 §5.2 / RFC 8693 §2.2.2 errors, with their status. */
const OAUTH_ERRORS: Partial<Record<ErrorCode, { error: string; status: number }>> = {
  ERR_INPUT_INVALID: { error: 'invalid_request', status: 400 },
  ERR_GRANT_INVALID: { error: 'invalid_grant', status: 400 },
  ERR_SSO_ID_TOKEN: { error: 'invalid_grant', status: 400 },
  ERR_TARGET_INVALID: { error: 'invalid_target', status: 400 },
  ERR_GRANT_TYPE_UNSUPPORTED: { error: 'unsupported_grant_type', status: 400 },
  ERR_TOKEN_SOURCE_UNAVAILABLE: { error: 'temporarily_unavailable', status: 503 },
};

/**
 * `POST /__api__/v1/oauth/integrations/credentials`: the publishing server's RFC 8693
 * credentials exchange. A content or user session token in (form-encoded), AWS credentials
 * out as base64 JSON. The subject token is the only credential: an `Authorization: Key`
 * header, which the publishing server's SDKs always send, is neither needed nor read.
 * Errors are OAuth JSON; an STS refusal keeps STS's code in `error_description`.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 */
export function registerCredentialsRoute(app: FastifyInstance, options: CredentialsRouteOptions): void {
  app.register(async (scope) => {
    scope.setErrorHandler((failure: FastifyError | Error, request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const { status, body, log } = toOAuthError(failure);
      if (log) request.log.error({ err: failure, detail: isRoleportError(failure) ? failure.detail : undefined }, 'credentials exchange failed');
      else request.log.info({ error: body.error, error_description: body.error_description }, 'credentials exchange refused');
      return reply.status(status).send(body);
    });

    scope.post<{ Body: CredentialsRequestBody }>(
      CREDENTIALS_PATH,
      {
        schema: {
          // Strings only: a repeated parameter arrives as an array and is refused (RFC 6749 §3.2).
          body: {
            type: 'object',
            properties: {
              grant_type: single(256),
              subject_token: single(16384),
              subject_token_type: single(256),
              requested_token_type: single(256),
              audience: single(255),
              resource: single(2048),
              actor_token: single(16384),
              scope: single(1024),
            },
            required: ['grant_type'],
          },
        },
      },
      async (request, reply) => {
        if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM)) throw invalidInput(`the credentials request must be ${FORM}`);
        const exchange = parseExchangeRequest(request.body);
        const result = await options.integrations.exchangeCredentials(exchange);
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send({
          access_token: encodeAwsCredentials(result.credentials),
          issued_token_type: AWS_CREDENTIALS_TOKEN_TYPE,
          token_type: 'Bearer',
        });
      },
    );
  });
}

/** Checks the parameters and names the first that is wrong. */
function parseExchangeRequest(body: CredentialsRequestBody) {
  if (body.grant_type !== TOKEN_EXCHANGE_GRANT) throw new RoleportError('ERR_GRANT_TYPE_UNSUPPORTED', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`);
  if (body.subject_token === undefined || body.subject_token.length === 0) throw invalidInput('subject_token is missing');
  if (body.subject_token_type === undefined || body.subject_token_type.length === 0) throw invalidInput('subject_token_type is missing');
  if (body.requested_token_type !== undefined && body.requested_token_type !== '' && body.requested_token_type !== AWS_CREDENTIALS_TOKEN_TYPE) {
    throw invalidInput(`requested_token_type must be ${AWS_CREDENTIALS_TOKEN_TYPE}`);
  }
  if (body.actor_token !== undefined) throw invalidInput('actor_token is not supported');
  return {
    subjectToken: body.subject_token,
    subjectTokenType: body.subject_token_type,
    audience: body.audience === undefined || body.audience === '' ? undefined : body.audience,
  };
}

function toOAuthError(failure: FastifyError | Error): { status: number; body: { error: string; error_description: string }; log: boolean } {
  if (failure instanceof StsExchangeError) {
    // STS's verdict, code first: what the content's developer needs to fix the role or its trust policy.
    return failure.retryable
      ? { status: 503, body: { error: 'temporarily_unavailable', error_description: failure.message }, log: true }
      : { status: 400, body: { error: 'invalid_grant', error_description: failure.message }, log: false };
  }
  if (isRoleportError(failure)) {
    const mapped = OAUTH_ERRORS[failure.code];
    if (mapped === undefined || failure.status >= 500 && mapped.status < 500) {
      return { status: 500, body: { error: 'server_error', error_description: 'internal error' }, log: true };
    }
    // A 503 names the passing cause (the IdP is down) without internals: the message is ours.
    return { status: mapped.status, body: { error: mapped.error, error_description: failure.message }, log: mapped.status >= 500 };
  }
  const fastifyError = failure as FastifyError;
  const status = fastifyError.statusCode ?? 500;
  if (fastifyError.validation !== undefined || (status >= 400 && status < 500)) {
    return { status: 400, body: { error: 'invalid_request', error_description: fastifyError.message }, log: false };
  }
  return { status: 500, body: { error: 'server_error', error_description: 'internal error' }, log: true };
}
