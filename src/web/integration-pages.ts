import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInHeader } from './layout.ts';
import { SESSION_STYLESHEET_PATH } from './session-styles.ts';

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
  usedBy: ReadonlyArray<{ guid: string; name: string }>;
}

export interface IntegrationListView {
  user: SignedInHeader;
  integrations: readonly IntegrationView[];
  callbackUrl: string;
  /** A message after a change (created, updated, deleted). */
  notice?: string | undefined;
}

export interface IntegrationFormView {
  user: SignedInHeader;
  /** Undefined for a new integration. */
  integration?: IntegrationView | undefined;
  callbackUrl: string;
  defaultRegion: string;
  /** The error of the last submission, shown above the form. */
  error?: string | undefined;
}

export interface ConsentView {
  user: SignedInHeader;
  content: { guid: string; name: string; title: string | null };
  pending: ReadonlyArray<{ guid: string; name: string; description: string; roleArn: string }>;
  /** The content origin's hand-off `state`, carried through the authorizations. */
  state: string;
}

function prelude(current: string): SafeHtml {
  const link = (href: string, label: string): SafeHtml => html`<a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<link rel="stylesheet" href="${SESSION_STYLESHEET_PATH}">
<nav class="subnav" aria-label="Integrations">${link('/admin/integrations', 'Integrations')} ${link('/admin/integrations/new', 'New integration')} ${link('/admin/sessions', 'All sessions')}</nav>`;
}

export function renderIntegrationList(view: IntegrationListView): string {
  const body = html`${prelude('/admin/integrations')}
<h1>Integrations for content</h1>
${view.notice === undefined ? '' : html`<p class="notice" role="status" id="integration-notice">${view.notice}</p>`}
<p class="hint">Viewer integrations send viewers to their IdP with the redirect URI <code id="callback-url">${view.callbackUrl}</code>; register it there.</p>
${
  view.integrations.length === 0
    ? html`<p class="muted" id="no-integrations">No integrations yet.</p>`
    : html`<table id="integrations">
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Role</th><th scope="col">Region</th><th scope="col">Used by</th></tr></thead>
<tbody>
${view.integrations.map(
  (integration) => html`<tr data-guid="${integration.guid}">
<td><a href="/admin/integrations/${integration.guid}">${integration.name}</a><br><code class="hint">${integration.guid}</code></td>
<td>${integration.authType}</td>
<td><code>${integration.roleArn}</code></td>
<td>${integration.stsRegion}</td>
<td class="used-by">${integration.usedBy.length === 0 ? html`<span class="muted">no content</span>` : integration.usedBy.map((content, index) => html`${index > 0 ? ', ' : ''}<code title="${content.guid}">${content.name}</code>`)}</td>
</tr>`,
)}
</tbody>
</table>`
}`;
  return renderPage({ title: 'Integrations', body, user: view.user });
}

export function renderIntegrationForm(view: IntegrationFormView): string {
  const current = view.integration;
  const isNew = current === undefined;
  const value = (field: string | number | undefined): string => (field === undefined ? '' : String(field));
  const selected = (actual: string | undefined, option: string): SafeHtml | '' => (actual === option ? html` selected` : '');
  const authType = current?.authType ?? 'Service Account';
  const body = html`${prelude(isNew ? '/admin/integrations/new' : '')}
<h1>${isNew ? 'New integration' : html`Integration <span id="integration-name">${current.name}</span>`}</h1>
${view.error === undefined ? '' : html`<p class="notice error" role="alert" id="form-error">${view.error}</p>`}
${isNew ? '' : html`<p class="hint">GUID <code id="integration-guid">${current.guid}</code>. Used by: <span id="used-by">${current.usedBy.length === 0 ? 'no content' : current.usedBy.map((c) => c.name).join(', ')}</span></p>`}
<form method="post" action="${isNew ? '/admin/integrations' : `/admin/integrations/${current.guid}`}" id="integration-form">
<input type="hidden" name="csrf" value="${view.user.csrfToken}">
<fieldset>
<legend>Integration</legend>
<div class="field"><label for="name">Name</label><input id="name" name="name" value="${value(current?.name)}" required maxlength="255"></div>
<div class="field"><label for="description">Description</label><input id="description" name="description" value="${value(current?.description)}" maxlength="4096"></div>
<div class="field"><label for="auth-type">Authentication</label>
<select id="auth-type" name="auth_type">
<option value="Service Account"${selected(authType, 'Service Account')}>Service Account: the content itself (a token Roleport signs)</option>
<option value="Viewer"${selected(authType, 'Viewer')}>Viewer: the person viewing the content (their IdP's ID token)</option>
</select></div>
</fieldset>
<fieldset>
<legend>AWS</legend>
<div class="field"><label for="role-arn">Role ARN</label><input id="role-arn" name="role_arn" value="${value(current?.roleArn)}" required maxlength="2048" placeholder="arn:aws:iam::123456789012:role/NAME"></div>
<div class="field"><label for="sts-region">STS region</label><input id="sts-region" name="sts_region" value="${current?.stsRegion ?? view.defaultRegion}" maxlength="32"></div>
<div class="field"><label for="session-duration">Session duration (seconds, 900-43200)</label><input id="session-duration" name="session_duration" type="number" min="900" max="43200" value="${value(current?.sessionDuration ?? 3600)}"></div>
<div class="field"><label for="audience">Audience</label><input id="audience" name="audience" value="${value(current?.audience)}" maxlength="255"><span class="hint">Service Account: aud of the token Roleport signs (default sts.amazonaws.com). Viewer: sent to the IdP as audience, if it needs one.</span></div>
</fieldset>
<fieldset>
<legend>Viewer: the OAuth client at the viewers' IdP</legend>
<p class="hint">Only for Viewer integrations; ignored for a Service Account.</p>
<div class="field"><label for="auth-mode">Client type</label>
<select id="auth-mode" name="auth_mode">
<option value="Confidential"${selected(current?.authMode ?? 'Confidential', 'Confidential')}>Confidential (client secret)</option>
<option value="Public"${selected(current?.authMode, 'Public')}>Public (PKCE only)</option>
</select></div>
<div class="field"><label for="client-id">Client ID</label><input id="client-id" name="client_id" value="${value(current?.clientId)}" maxlength="255"></div>
<div class="field"><label for="client-secret">Client secret</label><input id="client-secret" name="client_secret" type="password" value="" autocomplete="new-password" maxlength="4096">
<span class="hint" id="client-secret-state">${current?.hasClientSecret === true ? 'A secret is stored; it is never shown. Leave empty to keep it, or type a new one.' : 'No secret stored.'}</span></div>
<div class="field"><label for="authorization-uri">Authorization URI</label><input id="authorization-uri" name="authorization_uri" value="${value(current?.authorizationUri)}" maxlength="2048"></div>
<div class="field"><label for="token-uri">Token URI</label><input id="token-uri" name="token_uri" value="${value(current?.tokenUri)}" maxlength="2048"></div>
<div class="field"><label for="token-auth-method">Token endpoint authentication</label>
<select id="token-auth-method" name="token_endpoint_auth_method">
<option value=""${current?.tokenEndpointAuthMethod === undefined ? html` selected` : ''}>default for the client type</option>
<option value="client_secret_basic"${selected(current?.tokenEndpointAuthMethod, 'client_secret_basic')}>client_secret_basic</option>
<option value="client_secret_post"${selected(current?.tokenEndpointAuthMethod, 'client_secret_post')}>client_secret_post</option>
<option value="none"${selected(current?.tokenEndpointAuthMethod, 'none')}>none (public)</option>
</select></div>
<div class="field"><label for="scopes">Scopes</label><input id="scopes" name="scopes" value="${current?.scopes ?? 'openid offline_access'}" maxlength="1024"><span class="hint">Must include openid and offline_access.</span></div>
<div class="field"><label class="inline"><input type="checkbox" id="use-pkce" name="use_pkce" value="true"${current?.usePkce === false ? '' : html` checked`}> Use PKCE (S256)</label></div>
</fieldset>
<button type="submit" id="save-integration">${isNew ? 'Create integration' : 'Save changes'}</button>
</form>
${
  isNew
    ? ''
    : html`<form method="post" action="/admin/integrations/${current.guid}/delete" class="inline" id="delete-form">
<input type="hidden" name="csrf" value="${view.user.csrfToken}">
<button type="submit" id="delete-integration">Delete integration</button>
</form>`
}`;
  return renderPage({ title: isNew ? 'New integration' : `Integration ${current.name}`, body, user: view.user });
}

/** Asks the viewer to authorize each Viewer integration of the content before it is shown. */
export function renderConsentPage(view: ConsentView): string {
  const body = html`<link rel="stylesheet" href="${SESSION_STYLESHEET_PATH}">
<h1>Authorize access for <span id="content-name">${view.content.title ?? view.content.name}</span></h1>
<p>This content uses AWS as you. For each integration below, your identity provider asks you to sign in and agree; Roleport keeps the resulting refresh token (encrypted) so the content can get short-lived AWS credentials of the role while you use it.</p>
<ul id="pending-integrations">
${view.pending.map(
  (integration) => html`<li data-guid="${integration.guid}"><strong>${integration.name}</strong>${integration.description === '' ? '' : html` — ${integration.description}`}<br><span class="hint">AWS role <code>${integration.roleArn}</code></span>
<form method="post" action="/__oauth__/integrations/authorize" class="inline">
<input type="hidden" name="csrf" value="${view.user.csrfToken}">
<input type="hidden" name="integration" value="${integration.guid}">
<input type="hidden" name="content" value="${view.content.guid}">
<input type="hidden" name="state" value="${view.state}">
<button type="submit" class="authorize" id="authorize-${integration.guid}">Authorize ${integration.name}</button>
</form></li>`,
)}
</ul>`;
  return renderPage({ title: 'Authorize access', body, user: view.user });
}
