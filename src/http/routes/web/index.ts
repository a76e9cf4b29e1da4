import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../core/index.ts';
import type { Integrations } from '../../../integrations/index.ts';
import type { Sessions } from '../../../sessions/index.ts';
import type { Sso } from '../../../sso/index.ts';
import type { UserView } from '../../../users/index.ts';
import { registerCookieSupport } from '../../plugins/cookies.ts';
import { registerHtmlErrorHandler } from '../../plugins/html-errors.ts';
import { registerPageHeaders } from '../../plugins/page-headers.ts';
import { createWebVisitorAuth } from '../../plugins/web-visitor.ts';
import { registerCliLoginPage } from './cli-login.ts';
import { registerContentHandoffPages } from './content-handoff.ts';
import { CONSENT_PATH, registerIntegrationPages } from './integrations.ts';
import { registerSessionPages, type AuditLogReader } from './sessions.ts';
import { registerSignInRoutes } from './sign-in.ts';

export { SESSION_COOKIE, sessionCookieName } from '../../plugins/web-visitor.ts';
export { LOGIN_COOKIE } from './sign-in.ts';
export type { AuditLogReader } from './sessions.ts';

/** What the web pages need; app.ts passes the services. */
export interface WebRouteOptions {
  sso: Pick<
    Sso,
    'enabled' | 'redirectPath' | 'secureCookies' | 'cookieSecret' | 'sessionTtlSeconds' | 'beginSignIn' | 'completeSignIn' | 'sessions' | 'signOut'
  >;
  users: { findById(id: string): Promise<UserView | undefined> };
  sessions: Sessions;
  integrations: Integrations;
  /** Reads the audit log (flushed first) for the admins' audit page. */
  readAudit: AuditLogReader;
  clock: Clock;
  /** The broker's public URL: its origin is the only one forms may come from. */
  publicUrl: string;
  /** Name of the role claim, for the home page's explanation of sources. */
  roleClaim: string;
  /** Region the integration form suggests. */
  defaultRegion: string;
  /** `content.origin`: where published content is served (never on the broker's origin). */
  contentOrigin: string | undefined;
}

/**
 * Every page people open in a browser, in one encapsulated scope with its own HTML error
 * pages, cookie handling, page headers and visitor check, so the JSON API's behaviour is
 * untouched: sign-in and the home page, sessions (and the admins' sessions and audit log),
 * integrations (the viewers' consent and the admins' pages), and the CLI's browser sign-in.
 * Each group declares who may open it (`requireVisitorOn`); no handler checks it again.
 */
export async function registerWebRoutes(app: FastifyInstance, options: WebRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerHtmlErrorHandler(scope);
    registerPageHeaders(scope);
    const auth = createWebVisitorAuth({ sso: options.sso, users: options.users, sessionUsers: options.sessions, publicUrl: options.publicUrl });

    await registerSignInRoutes(scope, auth, { sso: options.sso, roleClaim: options.roleClaim });
    await registerSessionPages(scope, auth, { sessions: options.sessions, readAudit: options.readAudit, clock: options.clock, publicUrl: options.publicUrl, ssoEnabled: options.sso.enabled });
    await registerIntegrationPages(scope, auth, { integrations: options.integrations, secureCookies: options.sso.secureCookies, defaultRegion: options.defaultRegion, contentOrigin: options.contentOrigin });
    await registerCliLoginPage(scope, auth, { sessions: options.sessions });
    await registerContentHandoffPages(scope, auth, { integrations: options.integrations, contentOrigin: options.contentOrigin, consentPath: CONSENT_PATH });
  });
}
