import { actionForm, errorSummary, field, type FieldErrors, type FormFieldName } from './components.ts';
import { relativeTime, roleLabel } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInPage } from './layout.ts';

/**
 * Pages of integrations for published content: the admin list (with the content using each
 * integration), the create / edit form (secrets write-only: the field is always empty and
 * says whether one is stored), and the viewer's consent page.
 */

/** An integration as the pages show it: its wire config, never its secret. */
export interface IntegrationView {
  guid: string;
  name: string;
  description: string;
  authType: string;
  roleArn: string;
  stsRegion: string;
  sessionDuration: number;
  audience: string | undefined;
  authMode: string | undefined;
  clientId: string | undefined;
  authorizationUri: string | undefined;
  tokenUri: string | undefined;
  tokenEndpointAuthMethod: string | undefined;
  scopes: string | undefined;
  usePkce: boolean | undefined;
  hasClientSecret: boolean;
  updatedAt: number;
  /** The content associated with it; `granted` false: associated, but not on the access list, so inert. */
  usedBy: ReadonlyArray<ContentUseView>;
  /** Its access list: the content an admin allowed to use it. */
  access: ReadonlyArray<AccessEntryView>;
}

export interface ContentUseView {
  guid: string;
  name: string;
  granted: boolean;
}

export interface AccessEntryView {
  contentGuid: string;
  /** The content's name (its guid when it is gone). */
  name: string;
  grantedAt: number;
  grantedBy: string;
}

export interface IntegrationListView {
  page: SignedInPage;
  integrations: readonly IntegrationView[];
  callbackUrl: string;
}

/** The form's fields as typed (or as stored): shown again as they were after a refused save. The secret never is. */
export interface IntegrationFormValues {
  name: string;
  description: string;
  authType: string;
  roleArn: string;
  stsRegion: string;
  sessionDuration: string;
  audience: string;
  authMode: string;
  clientId: string;
  authorizationUri: string;
  tokenUri: string;
  tokenEndpointAuthMethod: string;
  scopes: string;
  usePkce: boolean;
}

export interface IntegrationFormView {
  page: SignedInPage;
  /** Undefined for a new integration. */
  integration?: IntegrationView | undefined;
  values: IntegrationFormValues;
  callbackUrl: string;
  /** The errors of the last submission, by field id; or one that names no field. */
  errors?: FieldErrors | undefined;
  error?: string | undefined;
  /** Content not on the access list yet, to grant (an existing integration's page). */
  grantable?: ReadonlyArray<{ guid: string; name: string }> | undefined;
  now: number;
}

export interface ConsentView {
  page: SignedInPage;
  content: { guid: string; name: string; title: string | null };
  pending: ReadonlyArray<{ guid: string; name: string; description: string; roleArn: string }>;
  /** The content origin's hand-off `state`, carried through the authorizations. */
  state: string;
}

/** The form's fields: wire name (as the API and its errors name it), input id, label. */
export const INTEGRATION_FIELDS: readonly FormFieldName[] = [
  { wire: 'name', id: 'name', label: 'Name' },
  { wire: 'description', id: 'description', label: 'Description' },
  { wire: 'config.auth_type', id: 'auth-type', label: 'Authentication' },
  { wire: 'config.role_arn', id: 'role-arn', label: 'Role ARN' },
  { wire: 'config.sts_region', id: 'sts-region', label: 'STS region' },
  { wire: 'config.session_duration', id: 'session-duration', label: 'Session duration' },
  { wire: 'config.audience', id: 'audience', label: 'Audience' },
  { wire: 'config.auth_mode', id: 'auth-mode', label: 'Client type' },
  { wire: 'config.client_id', id: 'client-id', label: 'Client ID' },
  { wire: 'config.client_secret', id: 'client-secret', label: 'Client secret' },
  { wire: 'config.authorization_uri', id: 'authorization-uri', label: 'Authorization URI' },
  { wire: 'config.token_uri', id: 'token-uri', label: 'Token URI' },
  { wire: 'config.token_endpoint_auth_method', id: 'token-auth-method', label: 'Token endpoint authentication' },
  { wire: 'config.scopes', id: 'scopes', label: 'Scopes' },
  { wire: 'config.use_pkce', id: 'use-pkce', label: 'Use PKCE' },
];
const LABELS: Readonly<Record<string, string>> = Object.fromEntries(INTEGRATION_FIELDS.map((f) => [f.id, f.label]));

/** The values of a stored integration (or of a new one) as the form shows them. */
export function integrationFormValues(integration: IntegrationView | undefined, defaultRegion: string): IntegrationFormValues {
  const text = (value: string | number | undefined): string => (value === undefined ? '' : String(value));
  return {
    name: text(integration?.name),
    description: text(integration?.description),
    authType: integration?.authType ?? 'Service Account',
    roleArn: text(integration?.roleArn),
    stsRegion: integration?.stsRegion ?? defaultRegion,
    sessionDuration: text(integration?.sessionDuration ?? 3600),
    audience: text(integration?.audience),
    authMode: integration?.authMode ?? 'Confidential',
    clientId: text(integration?.clientId),
    authorizationUri: text(integration?.authorizationUri),
    tokenUri: text(integration?.tokenUri),
    tokenEndpointAuthMethod: text(integration?.tokenEndpointAuthMethod),
    scopes: integration?.scopes ?? 'openid offline_access',
    usePkce: integration?.usePkce !== false,
  };
}

export function renderIntegrationList(view: IntegrationListView): string {
  const body = html`<h1>Integrations for content</h1>
<p class="lead">Published content gets AWS credentials through an integration: as itself (Service Account) or as the person viewing it (Viewer).</p>
<p class="actions"><a class="button" href="/admin/integrations/new" id="new-integration">New integration</a></p>
<p class="hint">Viewer integrations send viewers to their IdP with the redirect URI <code id="callback-url">${view.callbackUrl}</code>; register it there.</p>
${
  view.integrations.length === 0
    ? html`<p class="muted" id="no-integrations">No integrations yet.</p>`
    : html`<div class="table-scroll"><table id="integrations">
<caption class="sr-only">Integrations</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Role</th><th scope="col">Region</th><th scope="col">Access list</th><th scope="col">Used by</th></tr></thead>
<tbody>
${view.integrations.map(
  (integration) => html`<tr data-guid="${integration.guid}">
<th scope="row"><a href="/admin/integrations/${integration.guid}">${integration.name}</a><span class="hint"><code>${integration.guid}</code></span></th>
<td>${integration.authType}</td>
<td>${roleLabel(integration.roleArn)}</td>
<td class="nowrap">${integration.stsRegion}</td>
<td class="access-list">${integration.access.length === 0 ? html`<span class="muted">no content</span>` : integration.access.map((entry, index) => html`${index > 0 ? ', ' : ''}<code class="nowrap" title="${entry.contentGuid}">${entry.name}</code>`)}</td>
<td class="used-by">${usedBy(integration.usedBy)}</td>
</tr>`,
)}
</tbody>
</table></div>`
}`;
  return renderPage(view.page, { title: 'Integrations', body });
}

export function renderIntegrationForm(view: IntegrationFormView): string {
  const current = view.integration;
  const isNew = current === undefined;
  const values = view.values;
  const errors = view.errors ?? {};
  const selected = (actual: string, option: string): SafeHtml | '' => (actual === option ? html` selected` : '');
  const input = (id: string, name: string, value: string, extra: { hint?: string | SafeHtml; attributes?: SafeHtml; type?: string; required?: boolean } = {}) =>
    field({ id, name, label: LABELS[id] ?? id, value, errors, hint: extra.hint, attributes: extra.attributes, type: extra.type, required: extra.required });
  const select = (id: string, name: string, options: SafeHtml) =>
    html`<div class="field${errors[id] === undefined ? '' : ' invalid'}"><label for="${id}">${LABELS[id] ?? id}</label><select id="${id}" name="${name}"${errors[id] === undefined ? '' : html` aria-invalid="true" aria-describedby="${id}-error"`}>${options}</select>${
      errors[id] === undefined ? '' : html`<span class="field-error" id="${id}-error">${LABELS[id] ?? id}: ${errors[id]}</span>`
    }</div>`;
  const body = html`<h1>${isNew ? 'New integration' : html`Integration <span id="integration-name">${current.name}</span>`}</h1>
${errorSummary(errors, LABELS, view.error)}
${isNew ? '' : html`<p class="hint">GUID <code id="integration-guid">${current.guid}</code>. Used by: <span id="used-by">${usedBy(current.usedBy)}</span>. <a href="#access-title">Content access (${current.access.length})</a></p>`}
<form method="post" action="${isNew ? '/admin/integrations' : `/admin/integrations/${current.guid}`}" id="integration-form">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
<fieldset>
<legend>Integration</legend>
${input('name', 'name', values.name, { required: true, attributes: html` maxlength="255"` })}
${input('description', 'description', values.description, { attributes: html` maxlength="4096"` })}
${select('auth-type', 'auth_type', html`<option value="Service Account"${selected(values.authType, 'Service Account')}>Service Account: the content itself (a token Roleport signs)</option>
<option value="Viewer"${selected(values.authType, 'Viewer')}>Viewer: the person viewing the content (their IdP's ID token)</option>`)}
</fieldset>
<fieldset>
<legend>AWS</legend>
${input('role-arn', 'role_arn', values.roleArn, { required: true, attributes: html` maxlength="2048" placeholder="arn:aws:iam::123456789012:role/NAME" spellcheck="false"`, hint: 'The IAM role the content gets credentials of.' })}
${input('sts-region', 'sts_region', values.stsRegion, { attributes: html` maxlength="32"` })}
${input('session-duration', 'session_duration', values.sessionDuration, { type: 'number', attributes: html` min="900" max="43200"`, hint: 'Seconds, 900 to 43200.' })}
${input('audience', 'audience', values.audience, { attributes: html` maxlength="255"`, hint: 'Service Account: aud of the token Roleport signs (default sts.amazonaws.com). Viewer: sent to the IdP as audience, if it needs one.' })}
</fieldset>
<fieldset>
<legend>Viewer: the OAuth client at the viewers' IdP</legend>
<p class="hint">Only for Viewer integrations; ignored for a Service Account.</p>
${select('auth-mode', 'auth_mode', html`<option value="Confidential"${selected(values.authMode, 'Confidential')}>Confidential (client secret)</option>
<option value="Public"${selected(values.authMode, 'Public')}>Public (PKCE only)</option>`)}
${input('client-id', 'client_id', values.clientId, { attributes: html` maxlength="255"` })}
${input('client-secret', 'client_secret', '', {
  type: 'password',
  attributes: html` autocomplete="new-password" maxlength="4096"`,
  hint: html`<span id="client-secret-state">${current?.hasClientSecret === true ? 'A secret is stored; it is never shown. Leave empty to keep it, or type a new one.' : 'No secret stored.'}</span>`,
})}
${input('authorization-uri', 'authorization_uri', values.authorizationUri, { attributes: html` maxlength="2048"` })}
${input('token-uri', 'token_uri', values.tokenUri, { attributes: html` maxlength="2048"` })}
${select('token-auth-method', 'token_endpoint_auth_method', html`<option value=""${values.tokenEndpointAuthMethod === '' ? html` selected` : ''}>default for the client type</option>
<option value="client_secret_basic"${selected(values.tokenEndpointAuthMethod, 'client_secret_basic')}>client_secret_basic</option>
<option value="client_secret_post"${selected(values.tokenEndpointAuthMethod, 'client_secret_post')}>client_secret_post</option>
<option value="none"${selected(values.tokenEndpointAuthMethod, 'none')}>none (public)</option>`)}
${input('scopes', 'scopes', values.scopes, { attributes: html` maxlength="1024"`, hint: 'Must include openid and offline_access.' })}
<div class="field${errors['use-pkce'] === undefined ? '' : ' invalid'}"><label class="choice"><input type="checkbox" id="use-pkce" name="use_pkce" value="true"${values.usePkce ? html` checked` : ''}> Use PKCE (S256)</label>${
    errors['use-pkce'] === undefined ? '' : html`<span class="field-error" id="use-pkce-error">${LABELS['use-pkce'] ?? ''}: ${errors['use-pkce']}</span>`
  }</div>
</fieldset>
<p class="actions"><button type="submit" id="save-integration">${isNew ? 'Create integration' : 'Save changes'}</button> <a href="/admin/integrations">Cancel</a></p>
</form>
${isNew ? '' : accessSection(current, view)}
${
  isNew
    ? ''
    : html`<h2>Delete</h2>
<p>Content that uses this integration loses its AWS access at its next credentials exchange.</p>
<p class="actions">${actionForm({
        action: `/admin/integrations/${current.guid}/delete`,
        csrf: view.page.user.csrfToken,
        label: 'Delete integration',
        id: 'delete-integration',
        confirm: `Delete the integration ${current.name}? ${deleteConsequence(current)}`,
        returnTo: '/admin/integrations',
        danger: true,
      })}</p>`
}`;
  return renderPage(view.page, { title: isNew ? 'New integration' : `Integration ${current.name}`, body });
}

/**
 * The content that uses an integration: names with access plainly, and an association not on
 * the access list marked as such (it gets no credentials), never as if it had access.
 */
function usedBy(uses: readonly ContentUseView[]): SafeHtml {
  if (uses.length === 0) return html`<span class="muted">no content</span>`;
  return html`${uses.map(
    (use, index) =>
      html`${index > 0 ? ', ' : ''}${use.granted ? html`<code class="nowrap" title="${use.guid}">${use.name}</code>` : html`<span class="not-granted" data-guid="${use.guid}"><code class="nowrap" title="${use.guid}">${use.name}</code> <span class="muted">(not granted: no access)</span></span>`}`,
  )}`;
}

/** What deleting the integration does to content: only content with access loses any. */
export function deleteConsequence(integration: IntegrationView): string {
  const losing = integration.usedBy.filter((use) => use.granted);
  return losing.length === 0 ? 'No content gets credentials through it.' : `Content that uses it (${losing.map((use) => use.name).join(', ')}) loses its AWS access at its next credentials exchange.`;
}

/** The access list of an existing integration: who may use it, withdraw one, grant another. */
function accessSection(integration: IntegrationView, view: IntegrationFormView): SafeHtml {
  const csrf = view.page.user.csrfToken;
  const back = `/admin/integrations/${integration.guid}`;
  const grantable = view.grantable ?? [];
  return html`<section aria-labelledby="access-title">
<h2 id="access-title">Content access</h2>
<p>Only content on this list may use the integration: a publisher can associate it with their content only once it is granted here, and a grant withdrawn stops that content's credentials at its next exchange. The same list as <code>roleport integrations access</code>.</p>
${
  integration.access.length === 0
    ? html`<p class="muted" id="no-access">No content may use this integration yet.</p>`
    : html`<div class="table-scroll"><table id="access">
<caption class="sr-only">Content allowed to use ${integration.name}</caption>
<thead><tr><th scope="col">Content</th><th scope="col">Granted</th><th scope="col">By</th><th scope="col">Uses it</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody>
${integration.access.map(
  (entry) => html`<tr class="access-entry" data-guid="${entry.contentGuid}">
<th scope="row">${entry.name}<span class="hint"><code>${entry.contentGuid}</code></span></th>
<td class="nowrap">${relativeTime(entry.grantedAt, view.now)}</td>
<td>${entry.grantedBy}</td>
<td>${integration.usedBy.some((use) => use.guid === entry.contentGuid) ? 'yes' : html`<span class="muted">not yet</span>`}</td>
<td>${actionForm({
    action: `/admin/integrations/${integration.guid}/access/withdraw`,
    csrf,
    label: 'Withdraw',
    id: `withdraw-${entry.contentGuid}`,
    confirm: `Withdraw ${entry.name}'s access to ${integration.name}? It gets no more AWS credentials through it.`,
    returnTo: back,
    fields: { content: entry.contentGuid },
    danger: true,
    small: true,
  })}</td>
</tr>`,
)}
</tbody>
</table></div>`
}
${
  grantable.length === 0
    ? html`<p class="hint" id="nothing-to-grant">All content is on the list, or there is no content yet.</p>`
    : html`<form method="post" action="/admin/integrations/${integration.guid}/access/grant" class="grant-access" id="grant-form">
<input type="hidden" name="csrf" value="${csrf}">
<div class="field"><label for="grant-content">Grant access to</label><select id="grant-content" name="content">${grantable.map((content) => html`<option value="${content.guid}">${content.name} (${content.guid})</option>`)}</select></div>
<p class="actions"><button type="submit" id="grant-access">Grant access</button></p>
</form>`
}
</section>`;
}

/** Asks the viewer to authorize each Viewer integration of the content before it is shown. */
export function renderConsentPage(view: ConsentView): string {
  const body = html`<h1>Authorize access for <span id="content-name">${view.content.title ?? view.content.name}</span></h1>
<p>This content uses AWS as you. For each integration below, your identity provider asks you to sign in and agree; Roleport keeps the resulting refresh token (encrypted) so the content can get short-lived AWS credentials of the role while you use it.</p>
<ul id="pending-integrations">
${view.pending.map(
  (integration) => html`<li data-guid="${integration.guid}"><strong>${integration.name}</strong>${integration.description === '' ? '' : html` — ${integration.description}`}<br><span class="hint">AWS role <code>${integration.roleArn}</code></span>
<form method="post" action="/__oauth__/integrations/authorize" class="inline">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
<input type="hidden" name="integration" value="${integration.guid}">
<input type="hidden" name="content" value="${view.content.guid}">
<input type="hidden" name="state" value="${view.state}">
<button type="submit" class="authorize" id="authorize-${integration.guid}">Authorize ${integration.name}</button>
</form></li>`,
)}
</ul>`;
  return renderPage(view.page, { title: 'Authorize access', body });
}
