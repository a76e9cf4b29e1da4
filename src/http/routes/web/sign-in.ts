import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Sso } from '../../../sso/index.ts';
import { renderHomePage, renderLandingPage } from '../../../web/index.ts';
import { createCookieSigner } from '../../plugins/cookies.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { safeText } from '../../schemas/text.ts';

export interface SignInRouteOptions {
  sso: Pick<Sso, 'enabled' | 'redirectPath' | 'secureCookies' | 'cookieSecret' | 'sessionTtlSeconds' | 'beginSignIn' | 'completeSignIn' | 'sessions' | 'signOut'>;
  /** Name of the role claim, for the home page's explanation of sources. */
  roleClaim: string;
}

/**
 * The one text field not held to safe text: a link such as `/login?return_to=…` must sign the
 * user in whatever it holds (issue 10, item 8). It is never stored or shown — the SSO module
 * resolves it as a URL on this site (`safeReturnTo`) and anything else becomes `/` — so the
 * length limit is all the schema adds.
 */
const RETURN_TO = { type: 'string', maxLength: 1024 } as const;

/** The authorization response's parameters (RFC 6749 §4.1.2, RFC 9207 `iss`, OIDC session management's `session_state`). */
const CALLBACK_QUERY = {
  type: 'object',
  properties: { code: safeText(4096), state: safeText(512), iss: safeText(2048), session_state: safeText(1024), error: safeText(256), error_description: safeText(1024), error_uri: safeText(2048) },
} as const;

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
    { schema: { querystring: { type: 'object', properties: { return_to: RETURN_TO } } } },
    async (request, reply) => {
      const start = await sso.beginSignIn({ returnTo: request.query.return_to });
      reply.setCookie(LOGIN_COOKIE, start.transactionCookie, { ...baseCookie, path: sso.redirectPath, maxAge: start.transactionMaxAgeSeconds });
      return reply.redirect(start.authorizationUrl, 303);
    },
  );

  // The IdP's redirect: read raw by the SSO module, but only once every parameter it names is safe text.
  scope.get(sso.redirectPath, { schema: { querystring: CALLBACK_QUERY } }, async (request: FastifyRequest, reply: FastifyReply) => {
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
    signedIn.post('/logout', { schema: { body: { type: 'object', properties: { csrf: safeText(256) } } } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      await sso.signOut(visitor.browserSessionId, visitor.account.username);
      clearSessionCookie(reply);
      return reply.redirect('/?signed_out=1', 303);
    });
  });
}
