import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError, type Clock } from '../../../core/index.ts';
import { CONTENT_CALLBACK_PREFIX, CONTENT_HANDOFF_PATH, isContentGuid, type ContentViewer, type Integrations, type IssuedSessionToken } from '../../../integrations/index.ts';
import type { Sso } from '../../../sso/index.ts';
import { registerCookieSupport } from '../../plugins/cookies.ts';
import { proxyToContent } from './proxy.ts';
import { safeText } from '../../schemas/text.ts';

export interface ContentOriginRouteOptions {
  integrations: Pick<Integrations, 'content' | 'viewer' | 'handoff' | 'upstreams' | 'issueUserSessionToken'>;
  /** The broker sign-in a viewer cookie came from must still hold. */
  sso: Pick<Sso, 'sessions'>;
  users: { findById(id: string): Promise<{ username: string } | undefined> };
  clock: Clock;
  /** This origin (`content.origin`): the audience of the hand-off codes it redeems. */
  origin: string;
  /** The broker's public URL, where viewers sign in. */
  brokerUrl: string;
}

/** The viewer's cookie on the content origin, one per content item (its path). */
export const CONTENT_VIEWER_COOKIE = 'roleport_viewer';
/** The hand-off in progress (sealed `state` and the path asked for), sent only to the hand-off path. */
export const CONTENT_HANDOFF_COOKIE = 'roleport_handoff';

const GUID_PARAMS = { type: 'object', properties: { guid: safeText(64) }, required: ['guid'] } as const;
const CALLBACK_QUERY = { type: 'object', properties: { code: safeText(256), state: safeText(256) } } as const;
// User session tokens are reused across a viewer's requests until this close to expiry.
const USER_TOKEN_REUSE_MARGIN_MS = 5 * 60 * 1000;

/**
 * The content origin's routes: `/content/{guid}/…` proxied to the content's upstream for a
 * viewer this origin knows (its own cookie), and the hand-off callback that makes it know
 * them (see integrations/content-handoff.ts). No broker cookie exists here: the broker is
 * another site.
 */
export async function registerContentOriginRoutes(app: FastifyInstance, options: ContentOriginRouteOptions): Promise<void> {
  const { integrations, clock } = options;
  const secure = new URL(options.origin).protocol === 'https:';
  const baseCookie = { httpOnly: true, sameSite: 'lax' as const, secure };
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

  /** The viewer of the cookie, while their broker sign-in holds and they have authorized every Viewer integration. */
  const currentViewer = async (request: FastifyRequest, contentGuid: string): Promise<ContentViewer | undefined> => {
    const viewer = integrations.handoff.openViewer(request.cookies[CONTENT_VIEWER_COOKIE], contentGuid);
    if (viewer === undefined) return undefined;
    const browserSession = await options.sso.sessions.resolve(viewer.browserSessionId);
    const user = browserSession === undefined ? undefined : await options.users.findById(browserSession.userId);
    if (user?.username !== viewer.userName) return undefined;
    // An integration added since the hand-off: back to the broker, which asks for consent first.
    if ((await integrations.viewer.pendingAuthorizations(viewer.userName, contentGuid)).length > 0) return undefined;
    return viewer;
  };

  /** Step 1 of the hand-off: remember where the viewer was going, send them to the broker. */
  const startHandoff = (request: FastifyRequest, reply: FastifyReply, contentGuid: string): FastifyReply => {
    const asked = new URL(request.url, options.origin);
    const start = integrations.handoff.startTransaction(contentGuid, `${asked.pathname}${asked.search}`);
    reply.setCookie(CONTENT_HANDOFF_COOKIE, start.transaction, { ...baseCookie, path: `${CONTENT_CALLBACK_PREFIX}/${contentGuid}`, maxAge: start.maxAgeSeconds });
    const target = new URL(`${options.brokerUrl}${CONTENT_HANDOFF_PATH}`);
    target.searchParams.set('content', contentGuid);
    target.searchParams.set('state', start.state);
    return reply.redirect(target.href, 303);
  };

  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_request, body, done) => done(null, body));

    const serveContent = async (request: FastifyRequest<{ Params: { guid: string; '*'?: string } }>, reply: FastifyReply) => {
      const { guid } = request.params;
      if (!isContentGuid(guid)) throw new RoleportError('ERR_NOT_FOUND', `no content ${guid}`);
      const content = await integrations.content.get(guid);
      if (content.upstreamUrl === null) throw new RoleportError('ERR_NOT_FOUND', `content ${content.name} is not served through Roleport (it has no upstream URL)`);
      const viewer = await currentViewer(request, content.guid);
      if (viewer === undefined) {
        if (request.method !== 'GET' && request.method !== 'HEAD') throw new RoleportError('ERR_UNAUTHENTICATED', 'sign in to this content first (open it in the browser)');
        return startHandoff(request, reply, content.guid);
      }
      await integrations.upstreams.checkLiteral(content.upstreamUrl);
      return proxyToContent(request, reply, {
        upstreamUrl: content.upstreamUrl,
        path: `/${request.params['*'] ?? ''}`,
        prefix: `/content/${content.guid}`,
        userSessionToken: await userSessionToken(viewer.userName, content.guid),
        lookup: integrations.upstreams.connectLookup,
      });
    };
    scope.all<{ Params: { guid: string } }>('/content/:guid', { schema: { params: GUID_PARAMS } }, serveContent);
    scope.all<{ Params: { guid: string; '*': string } }>('/content/:guid/*', { schema: { params: GUID_PARAMS } }, serveContent);
  });

  await app.register(async (scope) => {
    await registerCookieSupport(scope);

    /** Step 3: the broker's one-time code, for this content and this origin, and the `state` this browser holds. */
    scope.get<{ Params: { guid: string }; Querystring: { code?: string; state?: string } }>(
      `${CONTENT_CALLBACK_PREFIX}/:guid`,
      { schema: { params: GUID_PARAMS, querystring: CALLBACK_QUERY } },
      async (request, reply) => {
        const { guid } = request.params;
        const path = `${CONTENT_CALLBACK_PREFIX}/${guid}`;
        // The transaction is single-use: the cookie goes whatever the outcome.
        const sealed = request.cookies[CONTENT_HANDOFF_COOKIE];
        reply.clearCookie(CONTENT_HANDOFF_COOKIE, { ...baseCookie, path });
        if (!isContentGuid(guid)) throw new RoleportError('ERR_NOT_FOUND', `no content ${guid}`);
        const transaction = integrations.handoff.openTransaction(sealed, guid, request.query.state);
        const viewer = await integrations.handoff.redeemCode({ code: request.query.code ?? '', contentGuid: guid, audience: options.origin });
        reply.setCookie(CONTENT_VIEWER_COOKIE, integrations.handoff.sealViewer(viewer), {
          ...baseCookie,
          path: `/content/${guid}`,
          maxAge: Math.floor((viewer.expiresAt - clock.now()) / 1000),
        });
        return reply.header('referrer-policy', 'no-referrer').redirect(transaction.returnTo, 303);
      },
    );

    // Links of the error pages.
    scope.get('/', (_request, reply) => reply.redirect(`${options.brokerUrl}/`, 303));
    scope.get('/login', (_request, reply) => reply.redirect(`${options.brokerUrl}/login`, 303));
  });
}
