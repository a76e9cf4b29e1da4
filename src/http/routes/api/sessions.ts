import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError } from '../../../core/index.ts';
import type { AuthenticatedUser, Session, Sessions, TokenSource } from '../../../sessions/index.ts';
import { bearerToken, unauthenticated } from './bearer.ts';
import { sessionJsonSchema, toSessionJson } from './session-json.ts';
import { safeText } from '../../schemas/text.ts';
import { apiErrorSchema as errorSchema } from '../../plugins/errors.ts';

export interface SessionApiOptions {
  sessions: Sessions;
}

interface StartBody {
  roles: string[];
  token_source?: TokenSource;
  audience?: string;
  region?: string;
  token_ttl_seconds?: number;
}

const roleList = { type: 'array', minItems: 1, maxItems: 20, items: safeText(2048, 20) } as const;
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^ses_[a-z0-9]{1,60}$' } }, required: ['id'], additionalProperties: false } as const;
const sessionResponse = { 200: sessionJsonSchema, '4xx': errorSchema } as const;

/**
 * The sessions API (docs/session-protocol.md): a user API token acts for its user; a session
 * credential reaches only `/sessions/current`. Every response is `no-store`: sessions carry
 * credentials or say who holds one.
 */
export function registerSessionApiRoutes(app: FastifyInstance, options: SessionApiOptions): void {
  const { sessions } = options;

  /** Step 1 of every user route: who is calling. */
  const authenticateUser = async (request: FastifyRequest, reply: FastifyReply): Promise<AuthenticatedUser> => {
    const token = bearerToken(request);
    if (token === undefined) throw unauthenticated(reply, 'send Authorization: Bearer <user API token> (roleport login)');
    const caller = await sessions.authenticateUser(token);
    if (caller === undefined) throw unauthenticated(reply, 'the API token is not valid, expired or revoked; run roleport login');
    return caller;
  };

  /** The session of a session credential; only an active one may act. */
  const authenticateSession = async (request: FastifyRequest, reply: FastifyReply): Promise<Session> => {
    const credential = bearerToken(request);
    if (credential === undefined) throw unauthenticated(reply, 'send Authorization: Bearer <session credential>');
    const session = await sessions.authenticate(credential);
    if (session === undefined) throw unauthenticated(reply, 'the session credential is not valid');
    if (session.state !== 'active') throw unauthenticated(reply, `session ${session.id} is ${session.state}`);
    return session;
  };

  app.register(
    async (api) => {
      api.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });

      api.post<{ Body: StartBody }>(
        '/sessions',
        {
          schema: {
            body: {
              type: 'object',
              properties: {
                roles: roleList,
                token_source: { type: 'string', enum: ['broker', 'viewer'] },
                audience: safeText(255, 1),
                region: safeText(32, 1),
                token_ttl_seconds: { type: 'integer', minimum: 1, maximum: 86400 },
              },
              required: ['roles'],
              additionalProperties: false,
            },
            response: {
              201: { type: 'object', properties: { session: sessionJsonSchema, credential: { type: 'string' } }, required: ['session', 'credential'] },
              '4xx': errorSchema,
            },
          },
        },
        async (request, reply) => {
          const caller = await authenticateUser(request, reply);
          const { session, credential } = await sessions.start({
            userName: caller.user.username,
            roles: request.body.roles,
            tokenSource: request.body.token_source,
            audience: request.body.audience,
            region: request.body.region,
            tokenTtlSeconds: request.body.token_ttl_seconds,
            by: caller.principal,
          });
          return reply.status(201).send({ session: toSessionJson(session), credential });
        },
      );

      api.get<{ Querystring: { all?: string; state?: 'active' | 'ended' | 'revoked'; user?: string } }>(
        '/sessions',
        {
          schema: {
            querystring: {
              type: 'object',
              properties: {
                all: { type: 'string', enum: ['0', '1', 'true', 'false'] },
                state: { type: 'string', enum: ['active', 'ended', 'revoked'] },
                user: safeText(255, 1),
              },
              additionalProperties: false,
            },
            response: { 200: { type: 'object', properties: { sessions: { type: 'array', items: sessionJsonSchema } }, required: ['sessions'] }, '4xx': errorSchema },
          },
        },
        async (request, reply) => {
          const caller = await authenticateUser(request, reply);
          const all = request.query.all === '1' || request.query.all === 'true';
          const otherUser = request.query.user !== undefined && request.query.user !== caller.user.username;
          // `?all=1` is for admins; anyone else asking for it is told so rather than silently given less.
          if ((all || otherUser) && !caller.principal.admin) throw new RoleportError('ERR_FORBIDDEN', 'only admins list other users\' sessions');
          const userName = all ? request.query.user : (request.query.user ?? caller.user.username);
          const list = await sessions.list({ userName, state: request.query.state, by: caller.principal });
          return { sessions: list.map(toSessionJson) };
        },
      );

      api.get('/sessions/current', { schema: { response: sessionResponse } }, async (request, reply) => toSessionJson(await authenticateSession(request, reply)));

      api.post('/sessions/current/end', { schema: { response: sessionResponse } }, async (request, reply) => {
        const session = await authenticateSession(request, reply);
        return toSessionJson(await sessions.end(session.id, { name: `session:${session.id}`, admin: false, userName: session.userName }));
      });

      api.get<{ Params: { id: string } }>('/sessions/:id', { schema: { params: idParams, response: sessionResponse } }, async (request, reply) => {
        const caller = await authenticateUser(request, reply);
        return toSessionJson(await sessions.get(request.params.id, caller.principal));
      });

      api.post<{ Params: { id: string } }>('/sessions/:id/end', { schema: { params: idParams, response: sessionResponse } }, async (request, reply) => {
        const caller = await authenticateUser(request, reply);
        return toSessionJson(await sessions.end(request.params.id, caller.principal));
      });

      api.post<{ Params: { id: string } }>('/sessions/:id/revoke', { schema: { params: idParams, response: sessionResponse } }, async (request, reply) => {
        const caller = await authenticateUser(request, reply);
        return toSessionJson(await sessions.revoke(request.params.id, caller.principal));
      });

      api.post<{ Params: { id: string }; Body: { roles: string[] } }>(
        '/sessions/:id/roles',
        {
          schema: {
            params: idParams,
            body: { type: 'object', properties: { roles: roleList }, required: ['roles'], additionalProperties: false },
            response: sessionResponse,
          },
        },
        async (request, reply) => {
          const caller = await authenticateUser(request, reply);
          return toSessionJson(await sessions.setRoles(request.params.id, request.body.roles, caller.principal));
        },
      );

      api.post<{ Body: { code: string; code_verifier: string; redirect_uri: string } }>(
        '/cli/token',
        {
          schema: {
            body: {
              type: 'object',
              properties: {
                code: safeText(256, 1),
                code_verifier: safeText(128, 43),
                redirect_uri: safeText(2048, 1),
              },
              required: ['code', 'code_verifier', 'redirect_uri'],
              additionalProperties: false,
            },
            response: {
              200: { type: 'object', properties: { token: { type: 'string' }, username: { type: 'string' }, expires_at: { type: 'string' } }, required: ['token', 'username', 'expires_at'] },
              '4xx': errorSchema,
            },
          },
        },
        async (request) => {
          const created = await sessions.cliLogin.redeem({ code: request.body.code, codeVerifier: request.body.code_verifier, redirectUri: request.body.redirect_uri });
          return { token: created.token, username: created.userName, expires_at: new Date(created.expiresAt).toISOString() };
        },
      );
    },
    { prefix: '/api/v1' },
  );
}
