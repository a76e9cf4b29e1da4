import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BrowserSession, Sso } from '../../../sso/index.ts';
import type { UserView } from '../../../users/index.ts';
import { renderHomePage, renderLandingPage, stylesheet, STYLESHEET_PATH } from '../../../web/index.ts';
import { createCookieSigner, registerCookieSupport, type CookieSigner } from '../../plugins/cookies.ts';
import { checkCsrf } from '../../plugins/csrf.ts';
import { registerHtmlErrorHandler } from '../../plugins/html-errors.ts';
import { registerPageHeaders } from '../../plugins/page-headers.ts';
import { safeText } from '../../schemas/text.ts';

/** What the web pages need; app.ts passes `services.sso` and `services.users`. */
export interface WebRouteOptions {
  sso: Pick<
    Sso,
    'enabled' | 'redirectPath' | 'secureCookies' | 'cookieSecret' | 'sessionTtlSeconds' | 'beginSignIn' | 'completeSignIn' | 'sessions' | 'signOut'
  >;
  users: { findById(id: string): Promise<UserView | undefined> };
  /** The broker's public URL: its origin is the only one forms may come from. */
  publicUrl: string;
  /** Name of the role claim, for the home page's explanation of sources. */
  roleClaim: string;
}

/** The browser-session cookie: a random id, signed; the server-side record is in the database. */
export const SESSION_COOKIE = 'roleport_session';
/** The sealed login transaction (state, nonce, PKCE verifier), sent only to the callback path. */
export const LOGIN_COOKIE = 'roleport_login';

/** The authorization response's parameters (RFC 6749 §4.1.2, RFC 9207 `iss`, OIDC session management's `session_state`). */
const CALLBACK_QUERY = {
  type: 'object',
  properties: { code: safeText(4096), state: safeText(512), iss: safeText(2048), session_state: safeText(1024), error: safeText(256), error_description: safeText(1024), error_uri: safeText(2048) },
} as const;

interface SignedInRequest {
  session: BrowserSession;
  user: UserView;
}

/**
 * The web interface: `/` (landing or the user's roles), `/login` → the IdP, the callback,
 * `POST /logout`, and the stylesheet. One encapsulated scope with its own HTML error pages,
 * cookie handling and page headers, so the JSON API's behaviour is untouched.
 */
export async function registerWebRoutes(app: FastifyInstance, options: WebRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerHtmlErrorHandler(scope);
    registerPageHeaders(scope);
    const signer = createCookieSigner(options.sso.cookieSecret);
    const routes = createHandlers(options, signer);

    scope.get(STYLESHEET_PATH, (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(stylesheet),
    );
    scope.get('/', routes.home);
    scope.get('/login', { schema: { querystring: { type: 'object', properties: { return_to: safeText(1024) } } } }, routes.login);
    // The IdP's redirect: read raw by the SSO module, but only once every parameter it names is safe text.
    scope.get(options.sso.redirectPath, { schema: { querystring: CALLBACK_QUERY } }, routes.callback);
    scope.post(
      '/logout',
      { schema: { body: { type: 'object', properties: { csrf: safeText(256) } } } },
      routes.logout,
    );
  });
}

function createHandlers(options: WebRouteOptions, signer: CookieSigner) {
  const { sso, users } = options;
  const baseCookie = { httpOnly: true, sameSite: 'lax' as const, secure: sso.secureCookies };
  const publicOrigin = new URL(options.publicUrl).origin;

  /** The signed-in user, read from the database on every request (role changes show at once). */
  const signedIn = async (request: FastifyRequest): Promise<SignedInRequest | undefined> => {
    const id = signer.unsign(request.cookies[SESSION_COOKIE]);
    if (id === undefined) return undefined;
    const session = await sso.sessions.resolve(id);
    if (session === undefined) return undefined;
    const user = await users.findById(session.userId);
    return user === undefined ? undefined : { session, user };
  };

  const clearSessionCookie = (reply: FastifyReply): void => {
    reply.clearCookie(SESSION_COOKIE, { ...baseCookie, path: '/' });
  };

  return {
    async home(request: FastifyRequest<{ Querystring: { signed_out?: string } }>, reply: FastifyReply) {
      const current = await signedIn(request);
      if (current === undefined) {
        if (request.cookies[SESSION_COOKIE] !== undefined) clearSessionCookie(reply);
        return reply.type('text/html; charset=utf-8').send(renderLandingPage({ ssoEnabled: sso.enabled, signedOut: request.query.signed_out !== undefined }));
      }
      const { user, session } = current;
      const page = renderHomePage({
        user: {
          username: user.username,
          csrfToken: sso.sessions.csrfToken(session.id),
          displayName: user.displayName,
          email: user.email,
          groups: user.groups,
          roleSessionName: user.roleSessionName,
        },
        roles: user.roles,
        roleClaim: options.roleClaim,
      });
      return reply.type('text/html; charset=utf-8').send(page);
    },

    async login(request: FastifyRequest<{ Querystring: { return_to?: string } }>, reply: FastifyReply) {
      const start = await sso.beginSignIn({ returnTo: request.query.return_to });
      reply.setCookie(LOGIN_COOKIE, start.transactionCookie, { ...baseCookie, path: sso.redirectPath, maxAge: start.transactionMaxAgeSeconds });
      return reply.redirect(start.authorizationUrl, 303);
    },

    async callback(request: FastifyRequest, reply: FastifyReply) {
      // The transaction is single-use: the cookie goes whatever the outcome.
      const transactionCookie = request.cookies[LOGIN_COOKIE];
      reply.clearCookie(LOGIN_COOKIE, { ...baseCookie, path: sso.redirectPath });
      const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
      const result = await sso.completeSignIn({ query, transactionCookie });
      reply.setCookie(SESSION_COOKIE, signer.sign(result.session.id), {
        ...baseCookie,
        path: '/',
        maxAge: sso.sessionTtlSeconds,
      });
      return reply.redirect(result.returnTo, 303);
    },

    async logout(request: FastifyRequest<{ Body: { csrf?: string } | undefined }>, reply: FastifyReply) {
      const current = await signedIn(request);
      if (current !== undefined) {
        checkCsrf(request, request.body?.csrf, { expectedOrigin: publicOrigin, verifyToken: (token) => sso.sessions.verifyCsrf(current.session.id, token) });
        await sso.signOut(current.session.id, current.user.username);
      }
      clearSessionCookie(reply);
      return reply.redirect('/?signed_out=1', 303);
    },
  };
}
