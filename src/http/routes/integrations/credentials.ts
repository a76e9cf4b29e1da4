import type { FastifyInstance } from 'fastify';
import { RoleportError, invalidInput } from '../../../core/index.ts';
import { registerOAuthErrorHandler } from '../oauth/oauth-errors.ts';
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
    registerOAuthErrorHandler(scope);

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
