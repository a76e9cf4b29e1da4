import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError, isRoleportError, type Clock } from '../../../core/index.ts';
import {
  INTEGRATION_CALLBACK_PATH,
  isContentGuid,
  toConfigJson,
  type Integration,
  type Integrations,
  type IssuedSessionToken,
} from '../../../integrations/index.ts';
import { safeReturnTo, type Sso } from '../../../sso/index.ts';
import { renderConsentPage, renderIntegrationForm, renderIntegrationList, type IntegrationView } from '../../../web/integration-pages.ts';
import { createCookieSigner, registerCookieSupport } from '../../plugins/cookies.ts';
import { checkCsrf } from '../../plugins/csrf.ts';
import { registerHtmlErrorHandler } from '../../plugins/html-errors.ts';
import { registerPageHeaders } from '../../plugins/page-headers.ts';
import { SESSION_COOKIE } from '../web/index.ts';
import { proxyToContent } from './proxy.ts';

export interface IntegrationWebOptions {
  integrations: Integrations;
  sso: Pick<Sso, 'cookieSecret' | 'sessions' | 'secureCookies'>;
  users: { findById(id: string): Promise<{ username: string } | undefined> };
  /** Whether a user is an admin (config `admins`), read per request. */
  isAdmin(username: string): Promise<boolean>;
  clock: Clock;
  /** The broker's public URL: its origin is the only one forms may come from. */
  publicUrl: string;
  defaultRegion: string;
}

/** The sealed authorization transaction, sent only to the callback path. */
export const INTEGRATION_AUTH_COOKIE = 'roleport_integration_auth';
export const CONSENT_PATH = '/__oauth__/integrations/consent';

interface Visitor {
  browserSessionId: string;
  username: string;
  admin: boolean;
  header: { username: string; csrfToken: string };
}

const TEXT = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const GUID_PARAMS = { type: 'object', properties: { guid: { type: 'string', maxLength: 64 } }, required: ['guid'] } as const;
const CSRF_BODY = { type: 'object', properties: { csrf: TEXT(256) } } as const;
const FORM_FIELDS = {
  csrf: TEXT(256),
  name: TEXT(255),
  description: TEXT(4096),
  auth_type: TEXT(32),
  auth_mode: TEXT(32),
  client_id: TEXT(255),
  client_secret: TEXT(4096),
  authorization_uri: TEXT(2048),
  token_uri: TEXT(2048),
  token_endpoint_auth_method: TEXT(32),
  scopes: TEXT(1024),
  role_arn: TEXT(2048),
  sts_region: TEXT(32),
  session_duration: TEXT(16),
  use_pkce: TEXT(8),
  audience: TEXT(255),
} as const;
type IntegrationForm = Partial<Record<keyof typeof FORM_FIELDS, string>>;
// User session tokens are reused across a viewer's requests until this close to expiry.
const USER_TOKEN_REUSE_MARGIN_MS = 5 * 60 * 1000;

/**
 * The browser side of integrations: content served through the broker (`/content/{guid}/…`,
 * proxied with the viewer's user session token, after the viewer authorized its Viewer
 * integrations), the consent page, the authorization code flow's start and callback
 * (`/__oauth__/integrations/callback`), and the admin pages to create, edit and delete
 * integrations. Pages share the SSO browser session, CSRF tokens, HTML errors and headers.
 */
export async function registerIntegrationWebRoutes(app: FastifyInstance, options: IntegrationWebOptions): Promise<void> {
  const { integrations, sso, clock } = options;
  const signer = createCookieSigner(sso.cookieSecret);
  const publicOrigin = new URL(options.publicUrl).origin;
  const baseCookie = { httpOnly: true, sameSite: 'lax' as const, secure: sso.secureCookies };
  const userTokens = new Map<string, IssuedSessionToken>();

  const visitor = async (request: FastifyRequest): Promise<Visitor | undefined> => {
    const id = signer.unsign(request.cookies[SESSION_COOKIE]);
    if (id === undefined) return undefined;
    const session = await sso.sessions.resolve(id);
    if (session === undefined) return undefined;
    const user = await options.users.findById(session.userId);
    if (user === undefined) return undefined;
    return { browserSessionId: id, username: user.username, admin: await options.isAdmin(user.username), header: { username: user.username, csrfToken: sso.sessions.csrfToken(id) } };
  };

  /** Sends an anonymous browser to sign in and come back; other clients get a 401. */
  const requireVisitor = async (request: FastifyRequest, reply: FastifyReply): Promise<Visitor | undefined> => {
    const current = await visitor(request);
    if (current !== undefined) return current;
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new RoleportError('ERR_UNAUTHENTICATED', 'sign in to Roleport first');
    void reply.redirect(`/login?return_to=${encodeURIComponent(request.url)}`, 303);
    return undefined;
  };

  const requireAdmin = (current: Visitor): void => {
    if (!current.admin) throw new RoleportError('ERR_FORBIDDEN', 'this page is for admins');
  };

  const verifyForm = (request: FastifyRequest<{ Body: { csrf?: string } | undefined }>, current: Visitor): void => {
    checkCsrf(request, request.body?.csrf, { expectedOrigin: publicOrigin, verifyToken: (token) => sso.sessions.verifyCsrf(current.browserSessionId, token) });
  };

  const sendHtml = (reply: FastifyReply, page: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(page);

  const userSessionToken = async (username: string, contentGuid: string): Promise<string> => {
    const key = `${username}\0${contentGuid}`;
    const cached = userTokens.get(key);
    if (cached !== undefined && cached.expiresAt - USER_TOKEN_REUSE_MARGIN_MS > clock.now()) return cached.token;
    const issued = await integrations.issueUserSessionToken(username, contentGuid);
    if (userTokens.size > 10_000) userTokens.clear();
    userTokens.set(key, issued);
    return issued.token;
  };

  const views = async (): Promise<IntegrationView[]> => {
    const usage = await integrations.content.usage();
    return (await integrations.integrations.list()).map((integration) => toView(integration, usage.get(integration.guid) ?? []));
  };

  // Content, proxied: its own scope, whose body parser keeps the raw bytes for the upstream.
  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerHtmlErrorHandler(scope);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_request, body, done) => done(null, body));

    const serveContent = async (request: FastifyRequest<{ Params: { guid: string; '*'?: string } }>, reply: FastifyReply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      const content = await integrations.content.get(request.params.guid);
      const pending = await integrations.viewer.pendingAuthorizations(current.username, content.guid);
      if (pending.length > 0) {
        if (request.method !== 'GET' && request.method !== 'HEAD') throw new RoleportError('ERR_FORBIDDEN', 'authorize the content\'s integrations first (open it in the browser)');
        return reply.redirect(`${CONSENT_PATH}?content=${content.guid}&return_to=${encodeURIComponent(request.url)}`, 303);
      }
      if (content.upstreamUrl === null) throw new RoleportError('ERR_NOT_FOUND', `content ${content.name} is not served through Roleport (it has no upstream URL)`);
      const rest = request.params['*'] ?? '';
      return proxyToContent(request, reply, {
        upstreamUrl: content.upstreamUrl,
        path: `/${rest}`,
        prefix: `/content/${content.guid}`,
        userSessionToken: await userSessionToken(current.username, content.guid),
      });
    };
    scope.all<{ Params: { guid: string } }>('/content/:guid', { schema: { params: GUID_PARAMS } }, serveContent);
    scope.all<{ Params: { guid: string; '*': string } }>('/content/:guid/*', { schema: { params: GUID_PARAMS } }, serveContent);
  });

  // The consent page: the page headers of the other pages, with a form-action that reaches the IdPs.
  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerHtmlErrorHandler(scope);
    scope.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', pageCsp([]));
      reply.header('x-frame-options', 'DENY').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      return payload;
    });
    scope.get<{ Querystring: { content: string; return_to?: string } }>(
      CONSENT_PATH,
      { schema: { querystring: { type: 'object', properties: { content: TEXT(64), return_to: TEXT(2048) }, required: ['content'] } } },
      async (request, reply) => {
        const current = await requireVisitor(request, reply);
        if (current === undefined) return reply;
        if (!isContentGuid(request.query.content)) throw new RoleportError('ERR_NOT_FOUND', `no content ${request.query.content}`);
        const content = await integrations.content.get(request.query.content);
        const returnTo = contentReturnTo(request.query.return_to, content.guid);
        const pending = await integrations.viewer.pendingAuthorizations(current.username, content.guid);
        if (pending.length === 0) return reply.redirect(returnTo, 303);
        // The page's forms post here, and the answer redirects to each IdP: CSP's form-action
        // covers that redirect, so the IdPs' origins are allowed on this page alone.
        const idpOrigins = [...new Set(pending.map((integration) => new URL(integration.config.oauth!.authorizationUri).origin))];
        reply.header('content-security-policy', pageCsp(idpOrigins));
        return sendHtml(
          reply,
          renderConsentPage({
            user: current.header,
            content: { guid: content.guid, name: content.name, title: content.title },
            pending: pending.map((integration) => ({ guid: integration.guid, name: integration.name, description: integration.description, roleArn: integration.config.roleArn })),
            returnTo,
          }),
        );
      },
    );
  });

  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerHtmlErrorHandler(scope);
    registerPageHeaders(scope);

    scope.post<{ Body: { csrf?: string; integration: string; content: string; return_to?: string } }>(
      '/__oauth__/integrations/authorize',
      { schema: { body: { type: 'object', properties: { csrf: TEXT(256), integration: TEXT(64), content: TEXT(64), return_to: TEXT(2048) }, required: ['integration', 'content'] } } },
      async (request, reply) => {
        const current = await requireVisitor(request, reply);
        if (current === undefined) return reply;
        verifyForm(request, current);
        const { integration: integrationGuid, content: contentGuid } = request.body;
        // Only an integration the content uses and may use (granted), of the Viewer kind, can be authorized from its page.
        const associated = (await integrations.content.associations(contentGuid)).find((a) => a.integration.guid === integrationGuid);
        if (associated === undefined || !associated.granted || associated.integration.config.authType !== 'Viewer') {
          throw new RoleportError('ERR_NOT_FOUND', `content ${contentGuid} has no Viewer integration ${integrationGuid}`);
        }
        const returnTo = contentReturnTo(request.body.return_to, contentGuid);
        const consentAgain = `${CONSENT_PATH}?content=${contentGuid}&return_to=${encodeURIComponent(returnTo)}`;
        const start = await integrations.viewer.beginAuthorization(integrationGuid, { userName: current.username, returnTo: consentAgain });
        reply.setCookie(INTEGRATION_AUTH_COOKIE, start.transactionCookie, { ...baseCookie, path: INTEGRATION_CALLBACK_PATH, maxAge: 600 });
        return reply.redirect(start.url, 303);
      },
    );

    // The query is read raw (every parameter the IdP sends goes to the response check).
    scope.get(INTEGRATION_CALLBACK_PATH, { schema: { querystring: { type: 'object', properties: { code: TEXT(4096), state: TEXT(512), error: TEXT(256), error_description: TEXT(1024) } } } }, async (request, reply) => {
      // The transaction is single-use: the cookie goes whatever the outcome.
      const transactionCookie = request.cookies[INTEGRATION_AUTH_COOKIE];
      reply.clearCookie(INTEGRATION_AUTH_COOKIE, { ...baseCookie, path: INTEGRATION_CALLBACK_PATH });
      const current = await visitor(request);
      if (current === undefined) throw new RoleportError('ERR_SSO_STATE', 'your Roleport sign-in ended during the authorization; sign in and open the content again');
      const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
      const result = await integrations.viewer.completeAuthorization({ query, transactionCookie, userName: current.username });
      return reply.redirect(safeReturnTo(result.returnTo), 303);
    });

    scope.get<{ Querystring: { done?: string } }>('/admin/integrations', { schema: { querystring: { type: 'object', properties: { done: TEXT(16) } } } }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      requireAdmin(current);
      const notice = request.query.done === undefined ? undefined : NOTICES[request.query.done];
      return sendHtml(reply, renderIntegrationList({ user: current.header, integrations: await views(), callbackUrl: integrations.callbackUrl, notice }));
    });

    scope.get('/admin/integrations/new', async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      requireAdmin(current);
      return sendHtml(reply, renderIntegrationForm({ user: current.header, callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion }));
    });

    scope.post<{ Body: IntegrationForm }>('/admin/integrations', { schema: { body: { type: 'object', properties: FORM_FIELDS } } }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      requireAdmin(current);
      verifyForm(request, current);
      try {
        const created = await integrations.integrations.create(formToBody(request.body, 'create'), { name: current.username });
        return reply.redirect(`/admin/integrations/${created.guid}?done=created`, 303);
      } catch (error) {
        if (!isRoleportError(error) || error.code !== 'ERR_INPUT_INVALID') throw error;
        return sendHtml(reply, renderIntegrationForm({ user: current.header, callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion, error: error.message }), 400);
      }
    });

    scope.get<{ Params: { guid: string } }>('/admin/integrations/:guid', { schema: { params: GUID_PARAMS } }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      requireAdmin(current);
      const view = (await views()).find((v) => v.guid === request.params.guid);
      if (view === undefined) throw new RoleportError('ERR_NOT_FOUND', `no integration ${request.params.guid}`);
      return sendHtml(reply, renderIntegrationForm({ user: current.header, integration: view, callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion }));
    });

    scope.post<{ Params: { guid: string }; Body: IntegrationForm }>(
      '/admin/integrations/:guid',
      { schema: { params: GUID_PARAMS, body: { type: 'object', properties: FORM_FIELDS } } },
      async (request, reply) => {
        const current = await requireVisitor(request, reply);
        if (current === undefined) return reply;
        requireAdmin(current);
        verifyForm(request, current);
        try {
          await integrations.integrations.update(request.params.guid, formToBody(request.body, 'update'), { name: current.username });
          return reply.redirect('/admin/integrations?done=updated', 303);
        } catch (error) {
          if (!isRoleportError(error) || error.code !== 'ERR_INPUT_INVALID') throw error;
          const view = (await views()).find((v) => v.guid === request.params.guid);
          return sendHtml(reply, renderIntegrationForm({ user: current.header, integration: view, callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion, error: error.message }), 400);
        }
      },
    );

    scope.post<{ Params: { guid: string }; Body: { csrf?: string } }>(
      '/admin/integrations/:guid/delete',
      { schema: { params: GUID_PARAMS, body: CSRF_BODY } },
      async (request, reply) => {
        const current = await requireVisitor(request, reply);
        if (current === undefined) return reply;
        requireAdmin(current);
        verifyForm(request, current);
        await integrations.integrations.delete(request.params.guid, { name: current.username });
        return reply.redirect('/admin/integrations?done=deleted', 303);
      },
    );
  });
}

/** The pages' policy (see plugins/page-headers.ts), with extra origins forms may be sent on to. */
function pageCsp(formOrigins: readonly string[]): string {
  return `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'${formOrigins.map((origin) => ` ${origin}`).join('')}; frame-ancestors 'none'; base-uri 'none'`;
}

const NOTICES: Record<string, string> = { updated: 'Integration saved.', deleted: 'Integration deleted.' };

/** A return path inside this content (or the content's root): never another site or page. */
function contentReturnTo(value: string | undefined, contentGuid: string): string {
  const root = `/content/${contentGuid}/`;
  const safe = safeReturnTo(value);
  return safe === `/content/${contentGuid}` || safe.startsWith(root) ? safe : root;
}

/**
 * The form as the API's body: empty optional fields are left out on create and cleared on
 * update; the secret field is write-only, so empty means "keep". A Service Account ignores
 * the Viewer fields the form always carries.
 */
export function formToBody(form: IntegrationForm, mode: 'create' | 'update'): Record<string, unknown> {
  const optional = (value: string | undefined): string | null | undefined => (value !== undefined && value.trim() !== '' ? value.trim() : mode === 'update' ? null : undefined);
  const duration = form.session_duration?.trim() ?? '';
  const config: Record<string, unknown> = {
    auth_type: form.auth_type,
    role_arn: form.role_arn?.trim(),
    sts_region: optional(form.sts_region),
    session_duration: duration === '' ? undefined : /^\d+$/.test(duration) ? Number(duration) : duration,
    audience: optional(form.audience),
  };
  if (form.auth_type === 'Viewer') {
    Object.assign(config, {
      auth_mode: optional(form.auth_mode),
      client_id: optional(form.client_id),
      authorization_uri: optional(form.authorization_uri),
      token_uri: optional(form.token_uri),
      token_endpoint_auth_method: optional(form.token_endpoint_auth_method),
      scopes: optional(form.scopes),
      use_pkce: form.use_pkce === 'true',
      client_secret: form.client_secret === undefined || form.client_secret === '' ? undefined : form.client_secret,
    });
  }
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key];
  return { template: 'aws', name: form.name?.trim(), description: form.description ?? '', config };
}

function toView(integration: Integration, usedBy: ReadonlyArray<{ guid: string; name: string }>): IntegrationView {
  const config = toConfigJson(integration.config);
  return {
    guid: integration.guid,
    name: integration.name,
    description: integration.description,
    authType: config.auth_type,
    roleArn: config.role_arn,
    stsRegion: config.sts_region,
    sessionDuration: config.session_duration,
    audience: config.audience,
    authMode: config.auth_mode,
    clientId: config.client_id,
    authorizationUri: config.authorization_uri,
    tokenUri: config.token_uri,
    tokenEndpointAuthMethod: config.token_endpoint_auth_method,
    scopes: config.scopes,
    usePkce: config.use_pkce,
    hasClientSecret: integration.hasClientSecret,
    updatedAt: integration.updatedAt,
    usedBy: usedBy.map((content) => ({ guid: content.guid, name: content.name })),
  };
}
