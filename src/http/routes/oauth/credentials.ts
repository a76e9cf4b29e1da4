import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../../core/index.ts';
import { registerOAuthErrorHandler } from './oauth-errors.ts';
import { readTokenExchange, sendTokenResponse, tokenExchangeFormSchema, type TokenExchangeForm } from './token-exchange-form.ts';
import { AWS_CREDENTIALS_TOKEN_TYPE, CREDENTIALS_PATH, encodeAwsCredentials, type Integrations } from '../../../integrations/index.ts';

export interface CredentialsRouteOptions {
  integrations: Pick<Integrations, 'exchangeCredentials'>;
}

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

    scope.post<{ Body: TokenExchangeForm }>(
      CREDENTIALS_PATH,
      {
        schema: { body: tokenExchangeFormSchema({ subjectToken: 16384, actorToken: 16384 }) },
      },
      async (request, reply) => {
        const exchange = parseExchangeRequest(request.headers['content-type'], request.body);
        const result = await options.integrations.exchangeCredentials(exchange);
        return sendTokenResponse(reply, {
          access_token: encodeAwsCredentials(result.credentials),
          issued_token_type: AWS_CREDENTIALS_TOKEN_TYPE,
          token_type: 'Bearer',
        });
      },
    );
  });
}

/** Checks the parameters and names the first that is wrong. */
function parseExchangeRequest(contentType: string | undefined, body: TokenExchangeForm) {
  const { subjectToken, audience } = readTokenExchange(contentType, body, 'credentials');
  if (body.subject_token_type === undefined || body.subject_token_type.length === 0) throw invalidInput('subject_token_type is missing');
  if (body.requested_token_type !== undefined && body.requested_token_type !== '' && body.requested_token_type !== AWS_CREDENTIALS_TOKEN_TYPE) {
    throw invalidInput(`requested_token_type must be ${AWS_CREDENTIALS_TOKEN_TYPE}`);
  }
  return { subjectToken, subjectTokenType: body.subject_token_type, audience };
}
