import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError, type Clock } from '../../../core/index.ts';
import type { Integrations, IssuedSessionToken } from '../../../integrations/index.ts';
import { registerCookieSupport } from '../../plugins/cookies.ts';
import { registerHtmlErrorHandler } from '../../plugins/html-errors.ts';
import type { WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { CONSENT_PATH } from '../web/integrations.ts';
import { proxyToContent } from './proxy.ts';

export interface ContentRouteOptions {
  integrations: Integrations;
  auth: WebVisitorAuth;
  clock: Clock;
}

const GUID_PARAMS = { type: 'object', properties: { guid: { type: 'string', maxLength: 64 } }, required: ['guid'] } as const;
// User session tokens are reused across a viewer's requests until this close to expiry.
const USER_TOKEN_REUSE_MARGIN_MS = 5 * 60 * 1000;

/**
 * Content served through the broker (`/content/{guid}/…`), proxied with the viewer's user
 * session token after the viewer authorized its Viewer integrations. Its own scope, whose
 * body parser keeps the raw bytes for the upstream.
 */
export async function registerContentRoutes(app: FastifyInstance, options: ContentRouteOptions): Promise<void> {
  const { integrations, auth, clock } = options;
  const userTokens = new Map<string, IssuedSessionToken>();
  const userSessionToken = async (username: string, contentGuid: string): Promise<string> => {
    const key = `${username}\0${contentGuid}`;
    const cached = userTokens.get(key);
    if (cached !== undefined && cached.expiresAt - USER_TOKEN_REUSE_MARGIN_MS > clock.now()) return cached.token;
    const issued = await integrations.issueUserSessionToken(username, contentGuid);
    if (userTokens.size > 10_000) userTokens.clear();
    userTokens.set(key, issued);
    return issued.token;
  };

  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerHtmlErrorHandler(scope);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_request, body, done) => done(null, body));

    const serveContent = async (request: FastifyRequest<{ Params: { guid: string; '*'?: string } }>, reply: FastifyReply) => {
      const visitor = await auth.visitorOf(request);
      if (visitor === undefined) {
        if (request.method !== 'GET' && request.method !== 'HEAD') throw new RoleportError('ERR_UNAUTHENTICATED', 'sign in to Roleport first');
        return reply.redirect(`/login?return_to=${encodeURIComponent(request.url)}`, 303);
      }
      const username = visitor.user.username;
      const content = await integrations.content.get(request.params.guid);
      const pending = await integrations.viewer.pendingAuthorizations(username, content.guid);
      if (pending.length > 0) {
        if (request.method !== 'GET' && request.method !== 'HEAD') throw new RoleportError('ERR_FORBIDDEN', 'authorize the content\'s integrations first (open it in the browser)');
        return reply.redirect(`${CONSENT_PATH}?content=${content.guid}&return_to=${encodeURIComponent(request.url)}`, 303);
      }
      if (content.upstreamUrl === null) throw new RoleportError('ERR_NOT_FOUND', `content ${content.name} is not served through Roleport (it has no upstream URL)`);
      return proxyToContent(request, reply, {
        upstreamUrl: content.upstreamUrl,
        path: `/${request.params['*'] ?? ''}`,
        prefix: `/content/${content.guid}`,
        userSessionToken: await userSessionToken(username, content.guid),
      });
    };
    scope.all<{ Params: { guid: string } }>('/content/:guid', { schema: { params: GUID_PARAMS } }, serveContent);
    scope.all<{ Params: { guid: string; '*': string } }>('/content/:guid/*', { schema: { params: GUID_PARAMS } }, serveContent);
  });
}
