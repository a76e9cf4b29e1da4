import type { FastifyInstance, FastifyReply } from 'fastify';
import { RoleportError, isRoleportError } from '../../../core/index.ts';
import { INTEGRATION_CALLBACK_PATH, isContentGuid, toConfigJson, type Integration, type Integrations } from '../../../integrations/index.ts';
import { safeReturnTo } from '../../../sso/index.ts';
import type { SignedInHeader } from '../../../web/index.ts';
import { renderConsentPage, renderIntegrationForm, renderIntegrationList, type IntegrationView } from '../../../web/integration-pages.ts';
import { pageCsp } from '../../plugins/page-headers.ts';
import { requireVisitorOn, type Visitor, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { contentHandoffUrl, HANDOFF_STATE } from './content-handoff.ts';
import { multilineText, safeText } from '../../schemas/text.ts';

export interface IntegrationPageOptions {
  integrations: Integrations;
  secureCookies: boolean;
  defaultRegion: string;
  /** `content.origin`: once every integration is authorized, the consent's redirects end there. */
  contentOrigin: string | undefined;
}

/** The sealed authorization transaction, sent only to the callback path. */
export const INTEGRATION_AUTH_COOKIE = 'roleport_integration_auth';
export const CONSENT_PATH = '/__oauth__/integrations/consent';

const GUID_PARAMS = { type: 'object', properties: { guid: safeText(64) }, required: ['guid'] } as const;
const CSRF_BODY = { type: 'object', properties: { csrf: safeText(256) } } as const;
const STATE = { type: 'string', pattern: HANDOFF_STATE.source } as const;
const FORM_FIELDS = {
  csrf: safeText(256),
  name: safeText(255),
  description: multilineText(4096),
  auth_type: safeText(32),
  auth_mode: safeText(32),
  client_id: safeText(255),
  client_secret: safeText(4096),
  authorization_uri: safeText(2048),
  token_uri: safeText(2048),
  token_endpoint_auth_method: safeText(32),
  scopes: safeText(1024),
  role_arn: safeText(2048),
  sts_region: safeText(32),
  session_duration: safeText(16),
  use_pkce: safeText(8),
  audience: safeText(255),
} as const;
type IntegrationForm = Partial<Record<keyof typeof FORM_FIELDS, string>>;

/**
 * The browser side of integrations: the viewers' consent page, the authorization code
 * flow's start and callback (`/__oauth__/integrations/callback`), and the admin pages to
 * create, edit and delete integrations. Registered inside the web scope (see ./index.ts).
 */
export async function registerIntegrationPages(scope: FastifyInstance, auth: WebVisitorAuth, options: IntegrationPageOptions): Promise<void> {
  const { integrations } = options;
  const baseCookie = { httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies };
  const header = (visitor: Visitor): SignedInHeader => ({ username: visitor.user.username, csrfToken: visitor.csrfToken });
  const sendHtml = (reply: FastifyReply, page: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(page);
  const views = async (): Promise<IntegrationView[]> => {
    const usage = await integrations.content.usage();
    return (await integrations.integrations.list()).map((integration) => toView(integration, usage.get(integration.guid) ?? []));
  };

  // The callback finds the visitor itself: one whose sign-in ended meanwhile is told so, not sent round again.
  scope.get(INTEGRATION_CALLBACK_PATH, { schema: { querystring: { type: 'object', properties: { code: safeText(4096), state: safeText(512), error: safeText(256), error_description: safeText(1024) } } } }, async (request, reply) => {
    // The transaction is single-use: the cookie goes whatever the outcome.
    const transactionCookie = request.cookies[INTEGRATION_AUTH_COOKIE];
    reply.clearCookie(INTEGRATION_AUTH_COOKIE, { ...baseCookie, path: INTEGRATION_CALLBACK_PATH });
    const visitor = await auth.visitorOf(request);
    if (visitor === undefined) throw new RoleportError('ERR_SSO_STATE', 'your Roleport sign-in ended during the authorization; sign in and open the content again');
    // The query is read raw (every parameter the IdP sends goes to the response check).
    const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
    const result = await integrations.viewer.completeAuthorization({ query, transactionCookie, userName: visitor.user.username });
    return reply.redirect(safeReturnTo(result.returnTo), 303);
  });

  await scope.register(async (viewer) => {
    requireVisitorOn(viewer, auth, 'visitor');

    viewer.get<{ Querystring: { content: string; state: string } }>(
      CONSENT_PATH,
      { schema: { querystring: { type: 'object', properties: { content: safeText(64), state: STATE }, required: ['content', 'state'] } } },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        if (!isContentGuid(request.query.content)) throw new RoleportError('ERR_NOT_FOUND', `no content ${request.query.content}`);
        const content = await integrations.content.get(request.query.content);
        const pending = await integrations.viewer.pendingAuthorizations(visitor.user.username, content.guid);
        if (pending.length === 0) return reply.redirect(contentHandoffUrl(content.guid, request.query.state), 303);
        // The page's forms post here, and the answer redirects to each IdP and, through the
        // hand-off, on to the content origin: CSP's form-action covers every redirect of a
        // form's navigation, so those origins are allowed on this page alone.
        const idpOrigins = pending.map((integration) => new URL(integration.config.oauth!.authorizationUri).origin);
        reply.header('content-security-policy', pageCsp([...new Set([...idpOrigins, ...(options.contentOrigin === undefined ? [] : [options.contentOrigin])])]));
        return sendHtml(
          reply,
          renderConsentPage({
            user: header(visitor),
            content: { guid: content.guid, name: content.name, title: content.title },
            pending: pending.map((integration) => ({ guid: integration.guid, name: integration.name, description: integration.description, roleArn: integration.config.roleArn })),
            state: request.query.state,
          }),
        );
      },
    );

    viewer.post<{ Body: { csrf?: string; integration: string; content: string; state: string } }>(
      '/__oauth__/integrations/authorize',
      { schema: { body: { type: 'object', properties: { csrf: safeText(256), integration: safeText(64), content: safeText(64), state: STATE }, required: ['integration', 'content', 'state'] } } },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        const { integration: integrationGuid, content: contentGuid, state } = request.body;
        // Only an integration the content uses, and of the Viewer kind, can be authorized from its page.
        const associated = (await integrations.content.associations(contentGuid)).find((a) => a.integration.guid === integrationGuid);
        // …and that it may use: an integration not granted to the content is never authorized from its page.
        if (associated === undefined || !associated.granted || associated.integration.config.authType !== 'Viewer') {
          throw new RoleportError('ERR_NOT_FOUND', `content ${contentGuid} has no Viewer integration ${integrationGuid}`);
        }
        const consentAgain = `${CONSENT_PATH}?${new URLSearchParams({ content: contentGuid, state })}`;
        const start = await integrations.viewer.beginAuthorization(integrationGuid, { userName: visitor.user.username, returnTo: consentAgain });
        reply.setCookie(INTEGRATION_AUTH_COOKIE, start.transactionCookie, { ...baseCookie, path: INTEGRATION_CALLBACK_PATH, maxAge: 600 });
        return reply.redirect(start.url, 303);
      },
    );
  });

  await scope.register(async (admin) => {
    requireVisitorOn(admin, auth, 'admin');

    admin.get<{ Querystring: { done?: string } }>('/admin/integrations', { schema: { querystring: { type: 'object', properties: { done: safeText(16) } } } }, async (request, reply) => {
      const notice = request.query.done === undefined ? undefined : NOTICES[request.query.done];
      return sendHtml(reply, renderIntegrationList({ user: header(auth.signedIn(request)), integrations: await views(), callbackUrl: integrations.callbackUrl, notice }));
    });

    admin.get('/admin/integrations/new', async (request, reply) =>
      sendHtml(reply, renderIntegrationForm({ user: header(auth.signedIn(request)), callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion })),
    );

    admin.post<{ Body: IntegrationForm }>('/admin/integrations', { schema: { body: { type: 'object', properties: FORM_FIELDS } } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      try {
        const created = await integrations.integrations.create(formToBody(request.body, 'create'), { name: visitor.user.username });
        return reply.redirect(`/admin/integrations/${created.guid}?done=created`, 303);
      } catch (error) {
        if (!isRoleportError(error) || error.code !== 'ERR_INPUT_INVALID') throw error;
        return sendHtml(reply, renderIntegrationForm({ user: header(visitor), callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion, error: error.message }), 400);
      }
    });

    admin.get<{ Params: { guid: string } }>('/admin/integrations/:guid', { schema: { params: GUID_PARAMS } }, async (request, reply) => {
      const view = (await views()).find((v) => v.guid === request.params.guid);
      if (view === undefined) throw new RoleportError('ERR_NOT_FOUND', `no integration ${request.params.guid}`);
      return sendHtml(reply, renderIntegrationForm({ user: header(auth.signedIn(request)), integration: view, callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion }));
    });

    admin.post<{ Params: { guid: string }; Body: IntegrationForm }>(
      '/admin/integrations/:guid',
      { schema: { params: GUID_PARAMS, body: { type: 'object', properties: FORM_FIELDS } } },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        try {
          await integrations.integrations.update(request.params.guid, formToBody(request.body, 'update'), { name: visitor.user.username });
          return reply.redirect('/admin/integrations?done=updated', 303);
        } catch (error) {
          if (!isRoleportError(error) || error.code !== 'ERR_INPUT_INVALID') throw error;
          const view = (await views()).find((v) => v.guid === request.params.guid);
          return sendHtml(reply, renderIntegrationForm({ user: header(visitor), integration: view, callbackUrl: integrations.callbackUrl, defaultRegion: options.defaultRegion, error: error.message }), 400);
        }
      },
    );

    admin.post<{ Params: { guid: string }; Body: { csrf?: string } }>('/admin/integrations/:guid/delete', { schema: { params: GUID_PARAMS, body: CSRF_BODY } }, async (request, reply) => {
      await integrations.integrations.delete(request.params.guid, { name: auth.signedIn(request).user.username });
      return reply.redirect('/admin/integrations?done=deleted', 303);
    });
  });
}

const NOTICES: Record<string, string> = { updated: 'Integration saved.', deleted: 'Integration deleted.' };

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
