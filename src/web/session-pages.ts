import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInHeader } from './layout.ts';
import { SESSION_STYLESHEET_PATH } from './session-styles.ts';
import { cloudTargetLines, otherTargetFiles, type CloudTargetsView } from './cloud-environment.ts';
import { renderTimelineChart, type TimelineToken } from './timeline-chart.ts';

/** A session as the pages show it (epoch milliseconds for times). */
export interface SessionView {
  id: string;
  user: string;
  state: 'active' | 'ended' | 'revoked';
  tokenSource: 'broker' | 'viewer';
  audience: string;
  tokenTtlSeconds: number;
  region: string;
  roles: ReadonlyArray<{ arn: string; profile: string; sessionName: string }>;
  /** The session's GCP and Azure targets (their env lines follow the AWS ones). */
  gcpTargets: CloudTargetsView['gcpTargets'];
  azureTargets: CloudTargetsView['azureTargets'];
  createdAt: number;
  endedAt: number | null;
  lastTokenAt: number | null;
  tokenExpiresAt: number | null;
}

/** The signed-in user, with what the sub-navigation may offer. */
export interface SessionPageUser extends SignedInHeader {
  admin: boolean;
}

export interface RolePickerView {
  user: SessionPageUser;
  roles: readonly string[];
  defaults: { region: string; tokenTtlSeconds: number; maxTokenTtlSeconds: number; audience: string };
  viewerAvailable: boolean;
}

export interface SessionStartedView {
  user: SessionPageUser;
  session: SessionView;
  credential: string;
  brokerUrl: string;
}

export interface MySessionsView {
  user: SessionPageUser;
  sessions: readonly SessionView[];
  now: number;
  brokerUrl: string;
}

export interface SessionDetailView {
  user: SessionPageUser;
  session: SessionView;
  now: number;
  timeline: readonly TimelineToken[];
  brokerUrl: string;
  canEnd: boolean;
  canRevoke: boolean;
}

export interface AdminSessionsView {
  user: SessionPageUser;
  sessions: readonly SessionView[];
  now: number;
  filter: { user?: string | undefined; state?: string | undefined };
}

const TTL_CHOICES = [900, 3600, 4 * 3600, 12 * 3600];

/** The role picker: which roles, which token source, region and token lifetime. */
export function renderRolePicker(view: RolePickerView): string {
  const ttlChoices = [...new Set([...TTL_CHOICES, view.defaults.tokenTtlSeconds])].filter((s) => s <= view.defaults.maxTokenTtlSeconds).sort((a, b) => a - b);
  const body = html`${prelude(view.user, '/sessions/new')}
<h1>Start a session</h1>
${
  view.roles.length === 0
    ? html`<p class="notice" id="no-roles">No AWS role is assigned to you, so there is nothing to start a session with. Roles come from your identity provider or an admin (<code>roleport users set-aws-role-arns</code>).</p>`
    : html`<form method="post" action="/sessions" id="start-session-form">
<input type="hidden" name="csrf" value="${view.user.csrfToken}">
<fieldset id="role-picker">
<legend>Roles</legend>
<p class="hint">The first role you pick is the session's default; each role becomes a profile in the session's AWS config.</p>
${view.roles.map((arn, index) => {
  const { account, name } = splitArn(arn);
  return html`<label><input type="checkbox" name="roles" value="${arn}"${index === 0 ? html` checked` : ''}> <strong>${name}</strong> <span class="muted">account ${account}</span> <code class="hint">${arn}</code></label>`;
})}
</fieldset>
<fieldset>
<legend>Credentials</legend>
<div class="field"><label for="token-source">Token source</label>
<select id="token-source" name="token_source">
<option value="broker" selected>Roleport signs the token (AWS trusts Roleport)</option>
${view.viewerAvailable ? html`<option value="viewer">Your identity provider's own ID token (AWS trusts the IdP; not bound to the roles)</option>` : ''}
</select>${
  view.viewerAvailable
    ? html`<p class="hint warning" id="viewer-unbound">Roleport-signed tokens name the role each was minted for, and the roles' trust policies refuse them for any other role. The identity provider's own ID token cannot be bound that way: AWS accepts it for every role that trusts the IdP and you, whichever session it came from.</p>`
    : ''
}</div>
<div class="field"><label for="token-ttl">Token lifetime</label>
<select id="token-ttl" name="token_ttl_seconds">
${ttlChoices.map((seconds) => html`<option value="${seconds}"${seconds === view.defaults.tokenTtlSeconds ? html` selected` : ''}>${duration(seconds * 1000)}</option>`)}
</select><span class="hint">The agent renews the token at 80 % of this, for as long as the session lasts.</span></div>
<div class="field"><label for="region">AWS region</label>
<input id="region" name="region" value="${view.defaults.region}" pattern="[a-z]{2}(-[a-z]+)+-[0-9]+" required></div>
<p class="hint">Audience of broker tokens: <code>${view.defaults.audience}</code></p>
</fieldset>
<button type="submit" id="start-session">Start session</button>
</form>`
}`;
  return renderPage({ title: 'Start a session', body, user: view.user });
}

/** Right after the start: the credential, once, and how to use it. */
export function renderSessionStarted(view: SessionStartedView): string {
  const { session } = view;
  const body = html`${prelude(view.user, '')}
<h1>Session started</h1>
<p class="notice" role="status" id="session-started">Session <a id="session-link" href="/sessions/${session.id}"><code id="session-id">${session.id}</code></a> is active with ${session.roles.length === 1 ? 'one role' : `${session.roles.length} roles`}.</p>
<div class="notice credential">
<p><strong>The session credential is shown only now.</strong> Keep it like a password: whoever holds it gets this session's tokens until the session ends.</p>
<p><code id="session-credential">${view.credential}</code></p>
</div>
<h2>Run the agent</h2>
<p>It keeps the token file fresh and writes the session's environment and AWS config:</p>
<pre id="agent-command"><code>${agentCommand(view.brokerUrl, session.id, view.credential)}</code></pre>
<h2>Environment for your workload</h2>
${envBlock(session)}
<p><a href="/sessions">Your sessions</a></p>`;
  return renderPage({ title: 'Session started', body, user: view.user });
}

/** The user's sessions: state, roles, token expiry, last refresh. */
export function renderMySessions(view: MySessionsView): string {
  const body = html`${prelude(view.user, '/sessions')}
<h1>Your sessions</h1>
<p><a class="button" id="new-session" href="/sessions/new">Start a session</a></p>
${view.sessions.length === 0 ? html`<p class="muted" id="no-sessions">You have no sessions yet.</p>` : sessionsTable(view.sessions, view.now, view.user, false)}`;
  return renderPage({ title: 'Your sessions', body, user: view.user });
}

/** One session: its state, roles, the refresh timeline, the environment, and end/revoke. */
export function renderSessionDetail(view: SessionDetailView): string {
  const { session } = view;
  const body = html`${prelude(view.user, '')}
<h1>Session <code>${session.id}</code></h1>
<dl id="session-summary">
<dt>User</dt><dd id="session-user">${session.user}</dd>
<dt>State</dt><dd>${stateBadge(session.state)}${session.endedAt === null ? '' : html` <span class="muted">since ${time(session.endedAt, view.now)}</span>`}</dd>
<dt>Roles</dt><dd><ul>${session.roles.map((role) => html`<li><strong>${role.profile}</strong> <code>${role.arn}</code> <span class="muted">as ${role.sessionName}</span></li>`)}</ul></dd>
<dt>Token source</dt><dd>${session.tokenSource === 'broker' ? 'Roleport (broker)' : 'identity provider (viewer)'}, audience <code>${session.audience}</code>, ${duration(session.tokenTtlSeconds * 1000)} tokens</dd>
<dt>Region</dt><dd>${session.region}</dd>
<dt>Started</dt><dd>${time(session.createdAt, view.now)}</dd>
<dt>Last refresh</dt><dd id="session-last-token">${session.lastTokenAt === null ? html`<span class="muted">never</span>` : time(session.lastTokenAt, view.now)}</dd>
<dt>Token expires</dt><dd id="session-token-expires">${session.tokenExpiresAt === null ? html`<span class="muted">no token yet</span>` : time(session.tokenExpiresAt, view.now)}</dd>
</dl>
${
  view.canEnd || view.canRevoke
    ? html`<p>${view.canEnd ? actionForm(`/sessions/${session.id}/end`, view.user.csrfToken, 'End session', 'end-session') : ''} ${view.canRevoke ? actionForm(`/admin/sessions/${session.id}/revoke`, view.user.csrfToken, 'Revoke', 'revoke-session', true) : ''}</p>`
    : ''
}
<h2>Refresh timeline</h2>
${renderTimelineChart({ tokens: view.timeline, now: view.now, until: session.endedAt ?? view.now })}
${
  session.state === 'active'
    ? html`<h2>Environment for your workload</h2>
<p>With the agent running (<code>${agentCommand(view.brokerUrl, session.id, '<the credential shown at start>')}</code>):</p>
${envBlock(session)}`
    : ''
}`;
  return renderPage({ title: `Session ${session.id}`, body, user: view.user });
}

/** Every session, for admins: filter by user and state, revoke. */
export function renderAdminSessions(view: AdminSessionsView): string {
  const body = html`${prelude(view.user, '/admin/sessions')}
<h1>All sessions</h1>
<form method="get" action="/admin/sessions" class="filters" id="session-filters">
<div class="field"><label for="filter-user">User</label><input id="filter-user" name="user" value="${view.filter.user ?? ''}"></div>
<div class="field"><label for="filter-state">State</label><select id="filter-state" name="state">
${['', 'active', 'ended', 'revoked'].map((state) => html`<option value="${state}"${(view.filter.state ?? '') === state ? html` selected` : ''}>${state === '' ? 'any' : state}</option>`)}
</select></div>
<button type="submit" class="secondary">Filter</button>
</form>
${view.sessions.length === 0 ? html`<p class="muted" id="no-sessions">No sessions match.</p>` : sessionsTable(view.sessions, view.now, view.user, true)}`;
  return renderPage({ title: 'All sessions', body, user: view.user });
}

function sessionsTable(sessions: readonly SessionView[], now: number, user: SessionPageUser, admin: boolean): SafeHtml {
  return html`<table id="sessions">
<caption>${sessions.length === 1 ? 'One session' : `${sessions.length} sessions`}, newest first</caption>
<thead><tr><th scope="col">Session</th>${admin ? html`<th scope="col">User</th>` : ''}<th scope="col">State</th><th scope="col">Roles</th><th scope="col">Last refresh</th><th scope="col">Token expires</th><th scope="col">Started</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>
${sessions.map(
  (session) => html`<tr class="session" id="session-${session.id}" data-state="${session.state}">
<th scope="row"><a href="/sessions/${session.id}"><code>${session.id}</code></a></th>
${admin ? html`<td class="session-user">${session.user}</td>` : ''}
<td class="session-state">${stateBadge(session.state)}</td>
<td class="session-roles">${session.roles.map((role, index) => html`${index > 0 ? ', ' : ''}<span title="${role.arn}">${role.profile}</span>`)}</td>
<td class="session-last-token">${session.lastTokenAt === null ? html`<span class="muted">never</span>` : time(session.lastTokenAt, now)}</td>
<td class="session-token-expires">${session.tokenExpiresAt === null ? html`<span class="muted">—</span>` : time(session.tokenExpiresAt, now)}</td>
<td>${time(session.createdAt, now)}</td>
<td>${
    session.state !== 'active'
      ? ''
      : admin
        ? actionForm(`/admin/sessions/${session.id}/revoke`, user.csrfToken, 'Revoke', `revoke-${session.id}`, true)
        : actionForm(`/sessions/${session.id}/end`, user.csrfToken, 'End', `end-${session.id}`)
  }</td>
</tr>`,
)}
</tbody>
</table>`;
}

/** The page's own stylesheet and the sub-navigation; `current` marks the page being shown. */
export function prelude(user: SessionPageUser, current: string): SafeHtml {
  const link = (href: string, label: string): SafeHtml => html`<a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<link rel="stylesheet" href="${SESSION_STYLESHEET_PATH}">
<nav class="subnav" aria-label="Sessions">${link('/sessions', 'Your sessions')} ${link('/sessions/new', 'Start a session')}${user.admin ? html` ${link('/admin/sessions', 'All sessions')} ${link('/admin/audit', 'Audit log')}` : ''}</nav>`;
}

function actionForm(action: string, csrf: string, label: string, id: string, danger = false): SafeHtml {
  return html`<form method="post" action="${action}" class="inline"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" id="${id}"${danger ? '' : html` class="secondary"`}>${label}</button></form>`;
}

function stateBadge(state: SessionView['state']): SafeHtml {
  return html`<span class="state state-${state}">${state}</span>`;
}

/** The agent's command line for a session (see the "Proposed" note in docs/session-protocol.md). */
function agentCommand(brokerUrl: string, sessionId: string, credential: string): string {
  return `ROLEPORT_URL=${brokerUrl} ROLEPORT_SESSION_CREDENTIAL=${credential} roleport agent --dir "$HOME/.roleport/sessions/${sessionId}"`;
}

/** What the agent's `env` file holds: the variables the AWS SDKs read. Never static keys. */
function envBlock(session: SessionView): SafeHtml {
  const dir = `$HOME/.roleport/sessions/${session.id}`;
  const role = session.roles[0]!;
  const lines = [
    `export AWS_ROLE_ARN=${role.arn}`,
    `export AWS_WEB_IDENTITY_TOKEN_FILE="${dir}/token"`,
    `export AWS_ROLE_SESSION_NAME=${role.sessionName}`,
    `export AWS_REGION=${session.region}`,
    `export AWS_DEFAULT_REGION=${session.region}`,
    'export AWS_STS_REGIONAL_ENDPOINTS=regional',
    `export AWS_CONFIG_FILE="${dir}/aws-config"`,
    ...cloudTargetLines(session, dir),
  ];
  const profiles = session.roles.length > 1 ? html`<p class="hint">Other roles: ${session.roles.slice(1).map((r, i) => html`${i > 0 ? ', ' : ''}<code>AWS_PROFILE=${r.profile}</code>`)}.</p>` : '';
  const others = otherTargetFiles(session, dir);
  const targets = others.length > 0 ? html`<p class="hint" id="other-targets">Other cloud targets: ${others.map((file, i) => html`${i > 0 ? ', ' : ''}<code>${file}</code>`)}.</p>` : '';
  return html`<pre id="session-env"><code>${lines.join('\n')}</code></pre>${profiles}${targets}`;
}

function time(ms: number, now: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  const delta = ms - now;
  const relative = Math.abs(delta) < 1000 ? 'now' : delta > 0 ? `in ${duration(delta)}` : `${duration(-delta)} ago`;
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time> <span class="muted">(${relative})</span>`;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

function splitArn(arn: string): { account: string; name: string } {
  const [, , , , account = '', resource = ''] = arn.split(':');
  return { account, name: resource.slice(resource.lastIndexOf('/') + 1) };
}
