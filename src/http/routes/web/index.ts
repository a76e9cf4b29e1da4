import type { FastifyInstance } from 'fastify';
import { RoleportError, type Clock } from '../../../core/index.ts';
import type { Integrations } from '../../../integrations/index.ts';
import { JWKS_PATH, type KeyManager } from '../../../issuer/index.ts';
import type { Sessions } from '../../../sessions/index.ts';
import type { Sso } from '../../../sso/index.ts';
import type { StsRegistry } from '../../../sts/index.ts';
import type { UserService } from '../../../users/index.ts';
import type { CommandSettings } from '../../../web/session-commands.ts';
import { registerCookieSupport } from '../../plugins/cookies.ts';
import { registerHtmlErrorHandler } from '../../plugins/html-errors.ts';
import { registerPageHeaders } from '../../plugins/page-headers.ts';
import { createWebVisitorAuth } from '../../plugins/web-visitor.ts';
import { registerAuditPages, type AuditLogReader } from './audit.ts';
import { registerCliLoginPage } from './cli-login.ts';
import { registerContentHandoffPages } from './content-handoff.ts';
import { registerExplainPage } from './explain.ts';
import { CONSENT_PATH, registerIntegrationPages } from './integrations.ts';
import { registerKeyPages } from './keys.ts';
import { registerSessionPages } from './sessions.ts';
import { registerSignInRoutes } from './sign-in.ts';
import { registerStaticFiles } from './static.ts';
import { registerUserPages } from './users.ts';

export { SESSION_COOKIE, sessionCookieName } from '../../plugins/web-visitor.ts';
export { LOGIN_COOKIE } from './sign-in.ts';
export type { AuditLogReader } from './audit.ts';

/** What the web pages need; app.ts passes the services. */
export interface WebRouteOptions {
  sso: Pick<
    Sso,
    'enabled' | 'redirectPath' | 'secureCookies' | 'cookieSecret' | 'sessionTtlSeconds' | 'beginSignIn' | 'completeSignIn' | 'sessions' | 'signOut'
  >;
  users: Pick<UserService, 'findById' | 'list' | 'findByUsername' | 'setRoleArns' | 'unbind' | 'remove'>;
  /** Whether config `admins` makes a user an admin. */
  isAdmin(user: { username: string; groups: readonly string[] }): boolean;
  sessions: Sessions;
  integrations: Integrations;
  keys: Pick<KeyManager, 'list' | 'rotate' | 'policy'>;
  /** The local STS's providers and roles, for the explain page. */
  stsRegistry: Pick<StsRegistry, 'listRoles' | 'listProviders' | 'findRole' | 'findProvider'>;
  /** Reads the audit log (written through first) for the admins' audit page. */
  readAudit: AuditLogReader;
  clock: Clock;
  /** The broker's public URL: its origin is the only one forms may come from. */
  publicUrl: string;
  /** Name of the role claim, for the explanations of where roles come from. */
  roleClaim: string;
  /** Region the integration form suggests. */
  defaultRegion: string;
  /** `content.origin`: where published content is served (never on the broker's origin). */
  contentOrigin: string | undefined;
  /** How the session pages spell the commands to paste (config `web`). */
  cliCommand: string;
  stsEndpoint: string | undefined;
}

/** `?notice=` after an action (web/notices.ts): a catalogue key, checked like every other parameter. */
const NOTICE_PARAM = { type: 'string', maxLength: 40, pattern: '^[a-z-]*$' } as const;

/**
 * Every page of the scope takes `?notice=KEY` (the page shows the catalogue's text for it):
 * added to each GET route's query schema as it is registered, so no route repeats it.
 */
function registerNoticeParameter(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    if (route.method !== 'GET' && !(Array.isArray(route.method) && route.method.includes('GET'))) return;
    const querystring = (route.schema?.querystring ?? { type: 'object' }) as { properties?: Record<string, unknown> };
    route.schema = { ...route.schema, querystring: { ...querystring, properties: { ...querystring.properties, notice: NOTICE_PARAM } } };
  });
}

/**
 * Every page people open in a browser, in one encapsulated scope with its own HTML error
 * pages, cookie handling, page headers and visitor check, so the JSON API's behaviour is
 * untouched: sign-in and the home page, sessions, the admin pages (all sessions, users,
 * integrations, signing keys, audit log, the trust-policy explainer), the viewers' consent,
 * and the CLI's browser sign-in.
 * Each group declares who may open it (`requireVisitorOn`); no handler checks it again.
 */
export async function registerWebRoutes(app: FastifyInstance, options: WebRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerNoticeParameter(scope);
    registerPageHeaders(scope);
    const auth = createWebVisitorAuth({ sso: options.sso, users: options.users, sessionUsers: options.sessions, publicUrl: options.publicUrl });
    registerHtmlErrorHandler(scope, auth.pageOf);
    registerStaticFiles(scope);

    const commands: CommandSettings = { brokerUrl: options.publicUrl.replace(/\/$/, ''), cliCommand: options.cliCommand, stsEndpoint: options.stsEndpoint };
    await registerSignInRoutes(scope, auth, { sso: options.sso, roleClaim: options.roleClaim });
    await registerSessionPages(scope, auth, { sessions: options.sessions, clock: options.clock, commands, ssoEnabled: options.sso.enabled });
    await registerAuditPages(scope, auth, { readAudit: options.readAudit, clock: options.clock });
    await registerUserPages(scope, auth, { users: options.users, sessions: options.sessions, isAdmin: options.isAdmin, clock: options.clock, roleClaim: options.roleClaim });
    await registerKeyPages(scope, auth, {
      keys: options.keys,
      clock: options.clock,
      prePublicationMs: options.keys.policy.prePublicationMs,
      rotationIntervalMs: options.keys.policy.rotationIntervalMs,
      jwksUrl: `${commands.brokerUrl}${JWKS_PATH}`,
    });
    await registerExplainPage(scope, auth, { registry: options.stsRegistry, clock: options.clock });
    await registerIntegrationPages(scope, auth, { integrations: options.integrations, clock: options.clock, secureCookies: options.sso.secureCookies, defaultRegion: options.defaultRegion, contentOrigin: options.contentOrigin });
    await registerCliLoginPage(scope, auth, { sessions: options.sessions });
    await registerContentHandoffPages(scope, auth, { integrations: options.integrations, contentOrigin: options.contentOrigin, consentPath: CONSENT_PATH });

    // A browser asking for a page that does not exist gets one, in the console's layout;
    // any other client the API's 404, as before.
    scope.get('/*', async (request, reply) => {
      if (!(request.headers.accept ?? '').includes('text/html')) return reply.callNotFound();
      throw new RoleportError('ERR_NOT_FOUND', `there is no page at ${new URL(request.url, 'http://roleport.invalid').pathname}`);
    });
  });
}
