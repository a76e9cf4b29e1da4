import type { FastifyInstance } from 'fastify';
import type { LevelWithSilent } from 'pino';
import { invalidInput } from '../../../core/index.ts';
import { TOKEN_ENDPOINT_PATH, parseTargetResource, type Sessions, type TargetRef } from '../../../sessions/index.ts';
import { registerOAuthErrorHandler } from './oauth-errors.ts';
import { readTokenExchange, sendTokenResponse, tokenExchangeFormSchema, type TokenExchangeForm } from './token-exchange-form.ts';

export const SESSION_CREDENTIAL_TYPE = 'urn:roleport:params:oauth:token-type:session-credential';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

export interface OAuthTokenRouteOptions {
  sessions: Sessions;
}

interface TokenExchangeRequest {
  credential: string;
  audience: string | undefined;
  roleArn: string | undefined;
  target: TargetRef | undefined;
}

/**
 * `POST /oauth/token`: the agents' RFC 8693 token exchange — a session credential in, a fresh
 * ID token for the session's role out. Errors are OAuth JSON from this scope's own handler.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 */
export function registerOAuthTokenRoutes(app: FastifyInstance, options: OAuthTokenRouteOptions): void {
  app.register(async (oauth) => {
    registerOAuthErrorHandler(oauth);
    oauth.post<{ Body: TokenExchangeForm }>(
      TOKEN_ENDPOINT_PATH,
      {
        // Every token is in the audit log already; a request log line per agent refresh would
        // only repeat it on the broker's busiest route. Failures still log (warn and above),
        // unless the broker's own level is quieter still (a route level overrides the parent's).
        logLevel: quieter(oauth.log.level, 'warn'),
        schema: { body: TOKEN_FORM_SCHEMA },
      },
      async (request, reply) => sendTokenResponse(reply, await answerTokenExchange(options.sessions, request.headers['content-type'], request.body)),
    );
  });
}

/** The body schema of `POST /oauth/token`, for its route and its fast path (token-fast-path.ts). */
export const TOKEN_FORM_SCHEMA = tokenExchangeFormSchema({ subjectToken: 512, actorToken: 8192 });

/** What the route and its fast path both do with a body that passed the schema: the token response body, or a RoleportError. */
export async function answerTokenExchange(sessions: Sessions, contentType: string | undefined, body: TokenExchangeForm): Promise<Record<string, unknown>> {
  const issued = await sessions.exchange(parseTokenExchangeRequest(contentType, body));
  return { access_token: issued.token, issued_token_type: ID_TOKEN_TYPE, token_type: 'N_A', expires_in: issued.expiresIn };
}

/** Checks the token-exchange parameters this endpoint supports and names the first that is wrong. */
function parseTokenExchangeRequest(contentType: string | undefined, body: TokenExchangeForm): TokenExchangeRequest {
  const { subjectToken, audience } = readTokenExchange(contentType, body, 'token');
  if (body.subject_token_type !== SESSION_CREDENTIAL_TYPE) throw invalidInput(`subject_token_type must be ${SESSION_CREDENTIAL_TYPE}`);
  if (body.requested_token_type !== undefined && body.requested_token_type !== ID_TOKEN_TYPE) throw invalidInput(`requested_token_type must be ${ID_TOKEN_TYPE}`);
  const resource = body.resource === undefined || body.resource === '' ? undefined : body.resource;
  // `gcp:NAME` / `azure:NAME` names a cloud target of the session; anything else a role.
  const target = resource === undefined ? undefined : parseTargetResource(resource);
  return { credential: subjectToken, audience, roleArn: target === undefined ? resource : undefined, target };
}

const LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function quieter(current: string, floor: LevelWithSilent): LevelWithSilent {
  const index = LEVELS.indexOf(current as LevelWithSilent);
  return index >= LEVELS.indexOf(floor) ? LEVELS[index]! : floor;
}
