import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError, isRoleportError, type Clock } from '../../../core/index.ts';
import {
  INTEGRATION_CALLBACK_PATH,
  isContentGuid,
  toConfigJson,
  type Content,
  type ContentUse,
  type Integration,
  type IntegrationAccess,
  type Integrations,
} from '../../../integrations/index.ts';
import { safeReturnTo } from '../../../sso/index.ts';
import { errorsFromMessage } from '../../../web/components.ts';
import {
  deleteConsequence,
  INTEGRATION_FIELDS,
  integrationFormValues,
  renderConsentPage,
  renderIntegrationForm,
  renderIntegrationList,
  type IntegrationFormValues,
  type IntegrationView,
} from '../../../web/integration-pages.ts';
import { pageCsp } from '../../plugins/page-headers.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { backWithNotice, CONFIRMABLE_FIELDS, confirmed, type ConfirmableBody } from './confirmation.ts';
import { contentHandoffUrl, HANDOFF_STATE } from './content-handoff.ts';
import { multilineText, safeText } from '../../schemas/text.ts';

export interface IntegrationPageOptions {
  integrations: Integrations;
  clock: Clock;
  secureCookies: boolean;
  defaultRegion: string;
  /** `content.origin`: once every integration is authorized, the consent's redirects end there. */
  contentOrigin: string | undefined;
}

/** The sealed authorization transaction, sent only to the callback path. */
export const INTEGRATION_AUTH_COOKIE = 'roleport_integration_auth';
export const CONSENT_PATH = '/__oauth__/integrations/consent';

const GUID_PARAMS = { type: 'object', properties: { guid: safeText(64) }, required: ['guid'] } as const;
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
  const sendHtml = (reply: FastifyReply, page: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(page);
  const views = async (): Promise<IntegrationView[]> => {
    const [usage, content] = await Promise.all([integrations.content.usage(), integrations.content.list()]);
    const names = new Map(content.map((item) => [item.guid, item.name]));
    const result: IntegrationView[] = [];
    for (const integration of await integrations.integrations.list()) {
      result.push(toView(integration, usage.get(integration.guid) ?? [], await integrations.access.list(integration.guid), names));
    }
    return result;
  };
  const viewOf = async (guid: string): Promise<IntegrationView> => {
    const view = (await views()).find((v) => v.guid === guid);
    if (view === undefined) throw new RoleportError('ERR_NOT_FOUND', `no integration ${guid}`);
    return view;
  };
  /** Content not on the integration's access list yet: what the page offers to grant. */
  const grantable = async (view: IntegrationView): Promise<Content[]> => {
    const granted = new Set(view.access.map((entry) => entry.contentGuid));
    return (await integrations.content.list()).filter((content) => !granted.has(content.guid));
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
            page: auth.page(request),
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
    const form = async (request: FastifyRequest, view: { integration?: IntegrationView | undefined; values: IntegrationFormValues; errors?: Record<string, string>; error?: string | undefined }) =>
      renderIntegrationForm({
        page: auth.page(request),
        callbackUrl: integrations.callbackUrl,
        now: options.clock.now(),
        grantable: view.integration === undefined ? undefined : await grantable(view.integration),
        ...view,
      });
    /** A refused save: the form again, as it was sent, the problem beside the field it names. */
    const refused = async (request: FastifyRequest, reply: FastifyReply, message: string, body: IntegrationForm, integration?: IntegrationView) => {
      const placed = errorsFromMessage(message, INTEGRATION_FIELDS);
      return sendHtml(reply, await form(request, { integration, values: submittedValues(body), errors: placed.errors, error: placed.general }), 400);
    };

    admin.get('/admin/integrations', async (request, reply) =>
      sendHtml(reply, renderIntegrationList({ page: auth.page(request), integrations: await views(), callbackUrl: integrations.callbackUrl })),
    );

    admin.get('/admin/integrations/new', async (request, reply) => sendHtml(reply, await form(request, { values: integrationFormValues(undefined, options.defaultRegion) })));

    admin.post<{ Body: IntegrationForm }>('/admin/integrations', { schema: { body: { type: 'object', properties: FORM_FIELDS } } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      try {
        const created = await integrations.integrations.create(formToBody(request.body, 'create'), { name: visitor.user.username });
        return reply.redirect(`/admin/integrations/${created.guid}?notice=integration-created`, 303);
      } catch (error) {
        if (!isRoleportError(error) || error.code !== 'ERR_INPUT_INVALID') throw error;
        return refused(request, reply, error.message, request.body);
      }
    });

    admin.get<{ Params: { guid: string } }>('/admin/integrations/:guid', { schema: { params: GUID_PARAMS } }, async (request, reply) => {
      const view = await viewOf(request.params.guid);
      return sendHtml(reply, await form(request, { integration: view, values: integrationFormValues(view, options.defaultRegion) }));
    });

    admin.post<{ Params: { guid: string }; Body: IntegrationForm }>(
      '/admin/integrations/:guid',
      { schema: { params: GUID_PARAMS, body: { type: 'object', properties: FORM_FIELDS } } },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        try {
          await integrations.integrations.update(request.params.guid, formToBody(request.body, 'update'), { name: visitor.user.username });
          return reply.redirect('/admin/integrations?notice=integration-saved', 303);
        } catch (error) {
          if (!isRoleportError(error) || error.code !== 'ERR_INPUT_INVALID') throw error;
          return refused(request, reply, error.message, request.body, (await views()).find((v) => v.guid === request.params.guid));
        }
      },
    );

    admin.post<{ Params: { guid: string }; Body: ConfirmableBody }>(
      '/admin/integrations/:guid/delete',
      { schema: { params: GUID_PARAMS, body: { type: 'object', properties: CONFIRMABLE_FIELDS } } },
      async (request, reply) => {
        const view = await viewOf(request.params.guid);
        const go = confirmed(request, reply, {
          page: auth.page(request),
          title: 'Delete this integration?',
          question: `Delete the integration ${view.name}?`,
          consequence: deleteConsequence(view),
          confirmLabel: 'Delete integration',
          danger: true,
        });
        if (!go) return reply;
        await integrations.integrations.delete(request.params.guid, { name: auth.signedIn(request).user.username });
        return reply.redirect(backWithNotice(request.body.return_to, 'integration-deleted', '/admin/integrations'), 303);
      },
    );

    // The access list, by the domain's own grant and withdraw (the API's PUT and the CLI set the same list).
    admin.post<{ Params: { guid: string }; Body: { csrf?: string; content: string } }>(
      '/admin/integrations/:guid/access/grant',
      { schema: { params: GUID_PARAMS, body: { type: 'object', properties: { csrf: safeText(256), content: safeText(64) }, required: ['content'] } } },
      async (request, reply) => {
        await integrations.access.grant(request.params.guid, request.body.content, { name: auth.signedIn(request).user.username });
        return reply.redirect(`/admin/integrations/${request.params.guid}?notice=access-granted`, 303);
      },
    );

    admin.post<{ Params: { guid: string }; Body: ConfirmableBody & { content: string } }>(
      '/admin/integrations/:guid/access/withdraw',
      { schema: { params: GUID_PARAMS, body: { type: 'object', properties: { ...CONFIRMABLE_FIELDS, content: safeText(64) }, required: ['content'] } } },
      async (request, reply) => {
        const view = await viewOf(request.params.guid);
        const entry = view.access.find((candidate) => candidate.contentGuid === request.body.content);
        if (entry === undefined) throw new RoleportError('ERR_NOT_FOUND', `content ${request.body.content} is not on the access list of integration ${view.guid}`);
        const go = confirmed(request, reply, {
          page: auth.page(request),
          title: 'Withdraw access?',
          question: `Withdraw ${entry.name}'s access to the integration ${view.name}?`,
          consequence: 'The content gets no more AWS credentials through this integration, from its next credentials exchange on.',
          confirmLabel: 'Withdraw access',
          danger: true,
          fields: { content: entry.contentGuid },
        });
        if (!go) return reply;
        await integrations.access.withdraw(view.guid, entry.contentGuid, { name: auth.signedIn(request).user.username });
        return reply.redirect(backWithNotice(request.body.return_to, 'access-withdrawn', `/admin/integrations/${view.guid}`), 303);
      },
    );
  });
}

/** The form as it was sent, to show again after a refused save (the secret is never shown). */
function submittedValues(form: IntegrationForm): IntegrationFormValues {
  return {
    name: form.name ?? '',
    description: form.description ?? '',
    authType: form.auth_type ?? 'Service Account',
    roleArn: form.role_arn ?? '',
    stsRegion: form.sts_region ?? '',
    sessionDuration: form.session_duration ?? '',
    audience: form.audience ?? '',
    authMode: form.auth_mode ?? 'Confidential',
    clientId: form.client_id ?? '',
    authorizationUri: form.authorization_uri ?? '',
    tokenUri: form.token_uri ?? '',
    tokenEndpointAuthMethod: form.token_endpoint_auth_method ?? '',
    scopes: form.scopes ?? '',
    usePkce: form.use_pkce === 'true',
  };
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

function toView(integration: Integration, usedBy: readonly ContentUse[], access: readonly IntegrationAccess[], contentNames: ReadonlyMap<string, string>): IntegrationView {
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
    usedBy: usedBy.map((use) => ({ guid: use.content.guid, name: use.content.name, granted: use.granted })),
    access: access.map((entry) => ({ contentGuid: entry.contentGuid, name: contentNames.get(entry.contentGuid) ?? entry.contentGuid, grantedAt: entry.grantedAt, grantedBy: entry.grantedBy })),
  };
}
