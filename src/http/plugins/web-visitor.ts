import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError } from '../../core/index.ts';
import type { SessionUser } from '../../sessions/index.ts';
import type { Sso } from '../../sso/index.ts';
import type { UserView } from '../../users/index.ts';
import { noticeText, type PageContext, type SignedInPage } from '../../web/index.ts';
import { createCookieSigner } from './cookies.ts';
import { checkCsrf } from './csrf.ts';

/** The browser-session cookie: a random id, signed; the server-side record is in the database. */
export const SESSION_COOKIE = 'roleport_session';

/**
 * The session cookie's name: over https with the `__Host-` prefix, which browsers accept only
 * from a secure origin of this very host, with `Path=/` and no `Domain` — so no other host
 * (a content origin on a sibling subdomain included) can set or shadow it.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#name-the-__host-prefix
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

/** Who is signed in: read from the database on each request, so role and admin changes show at once. */
export interface Visitor {
  browserSessionId: string;
  /** The synchronizer token every form of this browser session carries. */
  csrfToken: string;
  /** The user as the users module keeps them (profile, roles and where each came from). */
  account: UserView;
  /** The user as the sessions module sees them (the roles they may use, whether they are an admin). */
  user: SessionUser;
}

export interface WebVisitorOptions {
  sso: Pick<Sso, 'cookieSecret' | 'sessions' | 'secureCookies'>;
  users: { findById(id: string): Promise<UserView | undefined> };
  sessionUsers: { findUser(username: string): Promise<SessionUser | undefined> };
  /** The broker's public URL: its origin is the only one forms may come from. */
  publicUrl: string;
}

/** The checks a web route scope adds as hooks; each reads the visitor once per request. */
export interface WebVisitorAuth {
  /** The name of the browser-session cookie (see `sessionCookieName`). */
  readonly sessionCookie: string;
  /** The signed-in visitor or undefined, resolved at most once per request. */
  visitorOf(request: FastifyRequest): Promise<Visitor | undefined>;
  /** The visitor of a route behind `requireVisitor` (a TypeError elsewhere: a wiring mistake). */
  signedIn(request: FastifyRequest): Visitor;
  /**
   * preHandler: a signed-in visitor, else a GET is sent to sign in and brought back, and any
   * other method to the landing page (a form posted after the sign-in ended is not replayed).
   * A POST must also carry this browser session's CSRF token, from our own origin.
   */
  requireVisitor(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** preHandler after `requireVisitor`: the visitor must be an admin. */
  requireAdmin(request: FastifyRequest): Promise<void>;
  /** The page context of a route behind `requireVisitor`: the header, the path, the notice. */
  page(request: FastifyRequest): SignedInPage;
  /** The page context anywhere (error pages): the signed-in visitor if any, else an anonymous header. */
  pageOf(request: FastifyRequest): Promise<PageContext>;
}

/**
 * Web-route authentication in one place: the browser session cookie → the user, and the
 * preHandlers that scopes of pages add (fastify/demo's authorization plugin). Routes never
 * resolve or check the visitor themselves.
 */
export function createWebVisitorAuth(options: WebVisitorOptions): WebVisitorAuth {
  const signer = createCookieSigner(options.sso.cookieSecret);
  const sessionCookie = sessionCookieName(options.sso.secureCookies);
  const publicOrigin = new URL(options.publicUrl).origin;
  const resolved = new WeakMap<FastifyRequest, Promise<Visitor | undefined>>();
  const known = new WeakMap<FastifyRequest, Visitor>();

  const resolve = async (request: FastifyRequest): Promise<Visitor | undefined> => {
    const id = signer.unsign(request.cookies[sessionCookie]);
    if (id === undefined) return undefined;
    const browserSession = await options.sso.sessions.resolve(id);
    if (browserSession === undefined) return undefined;
    const account = await options.users.findById(browserSession.userId);
    const user = account === undefined ? undefined : await options.sessionUsers.findUser(account.username);
    if (account === undefined || user === undefined) return undefined;
    return { browserSessionId: id, csrfToken: options.sso.sessions.csrfToken(id), account, user };
  };

  const visitorOf = (request: FastifyRequest): Promise<Visitor | undefined> => {
    let pending = resolved.get(request);
    if (pending === undefined) {
      pending = resolve(request);
      resolved.set(request, pending);
    }
    return pending;
  };

  const signedIn = (request: FastifyRequest): Visitor => {
    const visitor = known.get(request);
    if (visitor === undefined) throw new TypeError(`${request.routeOptions.url ?? request.url} is not behind requireVisitor`);
    return visitor;
  };

  return {
    sessionCookie,
    visitorOf,
    page: (request) => pageContext(request, signedIn(request)) as SignedInPage,
    async pageOf(request) {
      // An error page must render even when the error was resolving the visitor (the database down).
      const visitor = known.get(request) ?? (await visitorOf(request).catch(() => undefined));
      return pageContext(request, visitor);
    },
    signedIn,
    async requireVisitor(request, reply) {
      const visitor = await visitorOf(request);
      if (visitor === undefined) {
        const back = request.method === 'GET' || request.method === 'HEAD';
        return reply.redirect(back ? `/login?return_to=${encodeURIComponent(request.url)}` : '/', 303);
      }
      if (request.method === 'POST') {
        const body = request.body as { csrf?: unknown } | undefined;
        const token = typeof body?.csrf === 'string' ? body.csrf : undefined;
        checkCsrf(request, token, { expectedOrigin: publicOrigin, verifyToken: (value) => options.sso.sessions.verifyCsrf(visitor.browserSessionId, value) });
      }
      known.set(request, visitor);
      return undefined;
    },
    async requireAdmin(request) {
      const visitor = known.get(request);
      if (visitor === undefined) throw new TypeError('requireAdmin must follow requireVisitor');
      if (!visitor.user.admin) throw new RoleportError('ERR_FORBIDDEN', 'this page is for admins');
    },
  };
}

/** What every page shows besides its content: who is signed in, where they are, what just happened (`?notice=`). */
function pageContext(request: FastifyRequest, visitor: Visitor | undefined): PageContext {
  const url = new URL(request.url, 'http://roleport.invalid');
  return {
    user: visitor === undefined ? undefined : { username: visitor.user.username, csrfToken: visitor.csrfToken, admin: visitor.user.admin },
    path: `${url.pathname}${url.search}`,
    notice: noticeText(url.searchParams.get('notice') ?? undefined),
  };
}

/** Adds the visitor check (and for admins' pages the admin check) to every route of a scope. */
export function requireVisitorOn(scope: FastifyInstance, auth: WebVisitorAuth, level: 'visitor' | 'admin'): void {
  scope.addHook('preHandler', auth.requireVisitor);
  if (level === 'admin') scope.addHook('preHandler', auth.requireAdmin);
}
