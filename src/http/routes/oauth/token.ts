import type { FastifyInstance } from 'fastify';
import type { LevelWithSilent } from 'pino';
import { RoleportError, invalidInput } from '../../../core/index.ts';
import { TOKEN_ENDPOINT_PATH, TOKEN_EXCHANGE_GRANT, type Sessions } from '../../../sessions/index.ts';
import { registerOAuthErrorHandler } from './oauth-errors.ts';

export const SESSION_CREDENTIAL_TYPE = 'urn:roleport:params:oauth:token-type:session-credential';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

export interface OAuthTokenRouteOptions {
  sessions: Sessions;
}

interface TokenRequestBody {
  grant_type: string;
  subject_token?: string;
  subject_token_type?: string;
  requested_token_type?: string;
  audience?: string;
  resource?: string;
  actor_token?: string;
}

interface TokenExchangeRequest {
  credential: string;
  audience: string | undefined;
  roleArn: string | undefined;
}

const FORM = 'application/x-www-form-urlencoded';
const single = (maxLength: number) => ({ type: 'string', maxLength }) as const;

/**
 * `POST /oauth/token`: the agents' RFC 8693 token exchange — a session credential in, a fresh
 * ID token for the session's role out. Errors are OAuth JSON from this scope's own handler.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 */
export function registerOAuthTokenRoutes(app: FastifyInstance, options: OAuthTokenRouteOptions): void {
  app.register(async (oauth) => {
    registerOAuthErrorHandler(oauth);
    oauth.post<{ Body: TokenRequestBody }>(
      TOKEN_ENDPOINT_PATH,
      {
        // Every token is in the audit log already; a request log line per agent refresh would
        // only repeat it on the broker's busiest route. Failures still log (warn and above),
        // unless the broker's own level is quieter still (a route level overrides the parent's).
        logLevel: quieter(oauth.log.level, 'warn'),
        schema: {
          // Only grant_type is required by the schema, so that another grant gets
          // unsupported_grant_type rather than a complaint about token-exchange parameters.
          // Strings only: a repeated parameter arrives as an array and is refused (RFC 6749 §3.2).
          body: {
            type: 'object',
            properties: {
              grant_type: single(256),
              subject_token: single(512),
              subject_token_type: single(256),
              requested_token_type: single(256),
              audience: single(255),
              resource: single(2048),
              actor_token: single(8192),
            },
            required: ['grant_type'],
          },
        },
      },
      async (request, reply) => {
        if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM)) throw invalidInput(`the token request must be ${FORM}`);
        const exchange = parseTokenExchangeRequest(request.body);
        const issued = await options.sessions.exchange(exchange);
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send({
          access_token: issued.token,
          issued_token_type: ID_TOKEN_TYPE,
          token_type: 'N_A',
          expires_in: issued.expiresIn,
        });
      },
    );
  });
}

/** Checks the token-exchange parameters this endpoint supports and names the first that is wrong. */
function parseTokenExchangeRequest(body: TokenRequestBody): TokenExchangeRequest {
  if (body.grant_type !== TOKEN_EXCHANGE_GRANT) throw new RoleportError('ERR_GRANT_TYPE_UNSUPPORTED', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`);
  if (body.subject_token === undefined || body.subject_token.length === 0) throw invalidInput('subject_token is missing');
  if (body.subject_token_type !== SESSION_CREDENTIAL_TYPE) throw invalidInput(`subject_token_type must be ${SESSION_CREDENTIAL_TYPE}`);
  if (body.requested_token_type !== undefined && body.requested_token_type !== ID_TOKEN_TYPE) throw invalidInput(`requested_token_type must be ${ID_TOKEN_TYPE}`);
  if (body.actor_token !== undefined) throw invalidInput('actor_token is not supported');
  return {
    credential: body.subject_token,
    audience: body.audience === undefined || body.audience === '' ? undefined : body.audience,
    roleArn: body.resource === undefined || body.resource === '' ? undefined : body.resource,
  };
}

const LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function quieter(current: string, floor: LevelWithSilent): LevelWithSilent {
  const index = LEVELS.indexOf(current as LevelWithSilent);
  return index >= LEVELS.indexOf(floor) ? LEVELS[index]! : floor;
}
