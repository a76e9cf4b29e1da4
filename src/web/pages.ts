import { splitRoleArn } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { renderPage, type PageContext, type SignedInPage } from './layout.ts';

/** A role as the home page lists it. */
export interface RoleRow {
  arn: string;
  source: 'claim' | 'cli';
}

export interface HomeView {
  page: SignedInPage;
  profile: {
    username: string;
    displayName: string | null;
    email: string | null;
    groups: readonly string[];
    roleSessionName: string | null;
  };
  roles: readonly RoleRow[];
  /** The claim roles come from, for the explanation of the sources. */
  roleClaim: string;
}

export interface LandingView {
  page: PageContext;
  ssoEnabled: boolean;
  signedOut: boolean;
}

/** The page for visitors who are not signed in. */
export function renderLandingPage(view: LandingView): string {
  const body = html`<h1>Roleport</h1>
${view.signedOut ? html`<p class="notice" role="status" id="signed-out">You are signed out.</p>` : ''}
<p class="lead">Short-lived AWS credentials for your sessions and published content, from your company sign-in: no access keys anywhere.</p>
${
  view.ssoEnabled
    ? html`<p>Sign in with your company account to see the AWS roles you can use and start a session.</p>
<p><a class="button" id="sign-in" href="/login">Sign in</a></p>`
    : html`<p class="notice">Single sign-on is not configured on this broker. An admin sets <code>sso.enabled</code>, <code>sso.issuer</code> and <code>sso.clientId</code>; see “Connect your IdP” in the README.</p>`
}`;
  return renderPage(view.page, { title: view.signedOut ? 'Signed out' : 'Welcome', body });
}

/** The signed-in user's roles, each with where it came from. */
export function renderHomePage(view: HomeView): string {
  const user = view.profile;
  const body = html`<h1>Your AWS roles</h1>
${view.roles.length === 0 ? noRoles(view.roleClaim) : rolesTable(view.roles, view.roleClaim)}
<p class="actions">${view.roles.length === 0 ? '' : html`<a class="button" id="start-session" href="/sessions/new">Start a session</a> `}<a href="/sessions">Your sessions</a></p>
<h2>Your account</h2>
<dl id="profile">
<dt>Username</dt><dd id="profile-username">${user.username}</dd>
${user.displayName === null ? '' : html`<dt>Name</dt><dd>${user.displayName}</dd>`}
${user.email === null ? '' : html`<dt>Email</dt><dd>${user.email}</dd>`}
<dt>Groups</dt><dd>${user.groups.length === 0 ? html`<span class="muted">none</span>` : user.groups.join(', ')}</dd>
<dt>AWS session name</dt><dd>${user.roleSessionName ?? html`<span class="muted">chosen per session</span>`}</dd>
</dl>`;
  return renderPage(view.page, { title: 'Your AWS roles', body });
}

function noRoles(roleClaim: string): SafeHtml {
  return html`<p class="notice" id="no-roles">No AWS role is assigned to you yet. Roles come from the <code>${roleClaim}</code> claim of your identity provider, or an admin assigns them with <code>roleport users set-aws-role-arns</code>.</p>`;
}

function rolesTable(roles: readonly RoleRow[], roleClaim: string): SafeHtml {
  return html`<table id="roles">
<caption>${roles.length === 1 ? 'One role' : `${roles.length} roles`} you can use when you start a session</caption>
<thead><tr><th scope="col">Role</th><th scope="col">Account</th><th scope="col">Role ARN</th><th scope="col">Source</th></tr></thead>
<tbody>
${roles.map((role) => roleRow(role, roleClaim))}
</tbody>
</table>`;
}

function roleRow(role: RoleRow, roleClaim: string): SafeHtml {
  const { account, name } = splitRoleArn(role.arn);
  const source = role.source === 'claim' ? html`identity provider (<code>${roleClaim}</code> claim)` : html`admin (CLI)`;
  return html`<tr class="role" data-source="${role.source}">
<th scope="row" class="role-name">${name}</th>
<td class="role-account">${account}</td>
<td class="role-arn"><code>${role.arn}</code></td>
<td class="role-source">${source}</td>
</tr>`;
}

/** A failure the visitor can understand and act on. */
export interface ErrorView {
  status: number;
  title: string;
  message: string;
  /** The IdP's own `error` and `error_description`, shown as they came (escaped). */
  idpError?: { error: string; description: string | undefined } | undefined;
  /** Offer "sign in again" (failures of the sign-in itself). */
  retrySignIn: boolean;
}

export function renderErrorPage(page: PageContext, view: ErrorView): string {
  const body = html`<h1 id="error-title">${view.title}</h1>
<div class="notice error" role="alert">
<p id="error-message">${capitalize(view.message)}</p>
${
  view.idpError === undefined
    ? ''
    : html`<dl id="idp-error">
<dt>error</dt><dd><code id="idp-error-code">${view.idpError.error}</code></dd>
${view.idpError.description === undefined ? '' : html`<dt>error_description</dt><dd id="idp-error-description">${view.idpError.description}</dd>`}
</dl>`
}
</div>
<p class="actions">${view.retrySignIn ? html`<a class="button" id="retry" href="/login">Sign in again</a> ` : ''}<a href="/">Home</a></p>
<p class="muted">HTTP ${String(view.status)}</p>`;
  return renderPage(page, { title: view.title, body });
}

function capitalize(text: string): string {
  return text.length === 0 ? text : `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}
