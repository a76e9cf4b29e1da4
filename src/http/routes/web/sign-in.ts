import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Sso } from '../../../sso/index.ts';
import { renderHomePage, renderLandingPage } from '../../../web/index.ts';
import { createCookieSigner } from '../../plugins/cookies.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';

export interface SignInRouteOptions {
  sso: Pick<Sso, 'enabled' | 'redirectPath' | 'secureCookies' | 'cookieSecret' | 'sessionTtlSeconds' | 'beginSignIn' | 'completeSignIn' | 'sessions' | 'signOut'>;
  /** Name of the role claim, for the home page's explanation of sources. */
  roleClaim: string;
}

/** The sealed login transaction (state, nonce, PKCE verifier), sent only to the callback path. */
export const LOGIN_COOKIE = 'roleport_login';

/**
 * `/` (landing or the user's roles), `/login` → the IdP, the callback, and `POST /logout`.
 * Registered inside the web scope (see ./index.ts).
 */
export async function registerSignInRoutes(scope: FastifyInstance, auth: WebVisitorAuth, options: SignInRouteOptions): Promise<void> {
  const { sso } = options;
  const signer = createCookieSigner(sso.cookieSecret);
  const baseCookie = { httpOnly: true, sameSite: 'lax' as const, secure: sso.secureCookies };
  const clearSessionCookie = (reply: FastifyReply): void => {
    reply.clearCookie(auth.sessionCookie, { ...baseCookie, path: '/' });
  };

  scope.get<{ Querystring: { signed_out?: string } }>('/', async (request, reply) => {
    const visitor = await auth.visitorOf(request);
    if (visitor === undefined) {
      if (request.cookies[auth.sessionCookie] !== undefined) clearSessionCookie(reply);
      return reply.type('text/html; charset=utf-8').send(renderLandingPage({ page: await auth.pageOf(request), ssoEnabled: sso.enabled, signedOut: request.query.signed_out !== undefined }));
    }
    const { account } = visitor;
    const page = renderHomePage({
      page: { ...(await auth.pageOf(request)), user: { username: account.username, csrfToken: visitor.csrfToken, admin: visitor.user.admin } },
      profile: {
        username: account.username,
        displayName: account.displayName,
        email: account.email,
        groups: account.groups,
        roleSessionName: account.roleSessionName,
      },
      roles: account.roles,
      roleClaim: options.roleClaim,
    });
    return reply.type('text/html; charset=utf-8').send(page);
  });

  scope.get<{ Querystring: { return_to?: string } }>(
    '/login',
    { schema: { querystring: { type: 'object', properties: { return_to: { type: 'string', maxLength: 1024 } } } } },
    async (request, reply) => {
      const start = await sso.beginSignIn({ returnTo: request.query.return_to });
      reply.setCookie(LOGIN_COOKIE, start.transactionCookie, { ...baseCookie, path: sso.redirectPath, maxAge: start.transactionMaxAgeSeconds });
      return reply.redirect(start.authorizationUrl, 303);
    },
  );

  scope.get(sso.redirectPath, async (request: FastifyRequest, reply: FastifyReply) => {
    // The transaction is single-use: the cookie goes whatever the outcome.
    const transactionCookie = request.cookies[LOGIN_COOKIE];
    reply.clearCookie(LOGIN_COOKIE, { ...baseCookie, path: sso.redirectPath });
    const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
    const result = await sso.completeSignIn({ query, transactionCookie });
    reply.setCookie(auth.sessionCookie, signer.sign(result.session.id), { ...baseCookie, path: '/', maxAge: sso.sessionTtlSeconds });
    return reply.redirect(result.returnTo, 303);
  });

  // Signing out is a form post of a signed-in visitor with its CSRF token, like every other.
  await scope.register(async (signedIn) => {
    requireVisitorOn(signedIn, auth, 'visitor');
    signedIn.post('/logout', { schema: { body: { type: 'object', properties: { csrf: { type: 'string', maxLength: 256 } } } } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      await sso.signOut(visitor.browserSessionId, visitor.account.username);
      clearSessionCookie(reply);
      return reply.redirect('/?signed_out=1', 303);
    });
  });
}
