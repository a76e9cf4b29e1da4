import { actionForm, commandBlock, errorSummary, pager, type FieldErrors, type PagerView } from './components.ts';
import { formatDuration, plural, relativeTime, splitRoleArn } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInPage } from './layout.ts';
import { agentCommand, sessionDir, tokenFileEnvironment, workloadCommands, type CommandSettings } from './session-commands.ts';
import { otherTargetFiles, type CloudTargetsView } from './cloud-environment.ts';
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
  endedBy: string | null;
  lastTokenAt: number | null;
  tokenExpiresAt: number | null;
}

/** What the role picker shows again after a refused start. */
export interface RolePickerValues {
  roles: readonly string[];
  tokenSource: string;
  tokenTtlSeconds: number;
  region: string;
}

export interface RolePickerView {
  page: SignedInPage;
  roles: readonly string[];
  defaults: { region: string; tokenTtlSeconds: number; maxTokenTtlSeconds: number; audience: string };
  viewerAvailable: boolean;
  /** The submitted values and what was wrong with them, after a refused start. */
  values?: RolePickerValues | undefined;
  errors?: FieldErrors | undefined;
  error?: string | undefined;
}

export interface SessionStartedView {
  page: SignedInPage;
  session: SessionView;
  credential: string;
  commands: CommandSettings;
}

export interface SessionListView {
  page: SignedInPage;
  /** `mine`: the visitor's own sessions; `all`: everyone's (admins). */
  scope: 'mine' | 'all';
  sessions: readonly SessionView[];
  now: number;
  filter: { user?: string | undefined; state?: string | undefined };
  pager: PagerView;
}

export interface SessionDetailView {
  page: SignedInPage;
  session: SessionView;
  now: number;
  timeline: readonly TimelineToken[];
  commands: CommandSettings;
  canEnd: boolean;
  canRevoke: boolean;
}

const TTL_CHOICES = [900, 3600, 4 * 3600, 12 * 3600];

/** Labels of the role picker's fields, for errors that name them. */
export const ROLE_PICKER_LABELS = { 'role-picker': 'Roles', 'token-source': 'Token source', 'token-ttl': 'Token lifetime', region: 'AWS region' } as const;

/** The role picker: which roles, which token source, region and token lifetime. */
export function renderRolePicker(view: RolePickerView): string {
  const values = view.values;
  const ttl = values?.tokenTtlSeconds ?? view.defaults.tokenTtlSeconds;
  const ttlChoices = [...new Set([...TTL_CHOICES, view.defaults.tokenTtlSeconds])].filter((s) => s <= view.defaults.maxTokenTtlSeconds).sort((a, b) => a - b);
  const picked = (arn: string, index: number): boolean => (values === undefined ? index === 0 : values.roles.includes(arn));
  const errors = view.errors ?? {};
  const fieldError = (id: keyof typeof ROLE_PICKER_LABELS): SafeHtml | '' =>
    errors[id] === undefined ? '' : html`<span class="field-error" id="${id}-error">${ROLE_PICKER_LABELS[id]}: ${errors[id]}</span>`;
  const body = html`<h1>Start a session</h1>
${
  view.roles.length === 0
    ? html`<p class="notice" id="no-roles">No AWS role is assigned to you, so there is nothing to start a session with. Roles come from your identity provider or an admin (the Users page, or <code>roleport users set-aws-role-arns</code>).</p>`
    : html`${errorSummary(errors, ROLE_PICKER_LABELS, view.error)}
<p class="lead">A session gets short-lived AWS credentials for the roles you pick, kept fresh by the Roleport agent for as long as the session lasts.</p>
<form method="post" action="/sessions" id="start-session-form">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
<fieldset id="role-picker"${errors['role-picker'] === undefined ? '' : html` aria-describedby="role-picker-error"`}>
<legend>Roles</legend>
<p class="hint">The first role you pick is the session's default; each role becomes a profile in the session's AWS config.</p>
${view.roles.map((arn, index) => {
  const { account, name } = splitRoleArn(arn);
  return html`<label class="choice"><input type="checkbox" name="roles" value="${arn}"${picked(arn, index) ? html` checked` : ''}> <strong>${name}</strong> <span class="muted">account ${account}</span> <code class="hint">${arn}</code></label>`;
})}
${fieldError('role-picker')}
</fieldset>
<fieldset>
<legend>Credentials</legend>
<div class="field${errors['token-source'] === undefined ? '' : ' invalid'}"><label for="token-source">Token source</label>
<select id="token-source" name="token_source">
<option value="broker"${values?.tokenSource === 'viewer' ? '' : html` selected`}>Roleport signs the token (AWS trusts Roleport)</option>
${view.viewerAvailable ? html`<option value="viewer"${values?.tokenSource === 'viewer' ? html` selected` : ''}>Your identity provider's own ID token (AWS trusts the IdP; not bound to the roles)</option>` : ''}
</select>${
  view.viewerAvailable
    ? html`<p class="hint warning" id="viewer-unbound">Roleport-signed tokens name the role each was minted for, and the roles' trust policies refuse them for any other role. The identity provider's own ID token cannot be bound that way: AWS accepts it for every role that trusts the IdP and you, whichever session it came from.</p>`
    : ''
}${fieldError('token-source')}</div>
<div class="field${errors['token-ttl'] === undefined ? '' : ' invalid'}"><label for="token-ttl">Token lifetime</label>
<select id="token-ttl" name="token_ttl_seconds" aria-describedby="token-ttl-hint">
${ttlChoices.map((seconds) => html`<option value="${seconds}"${seconds === ttl ? html` selected` : ''}>${formatDuration(seconds * 1000)}</option>`)}
</select><span class="hint" id="token-ttl-hint">The agent renews the token at 80 % of this, for as long as the session lasts.</span>${fieldError('token-ttl')}</div>
<div class="field${errors['region'] === undefined ? '' : ' invalid'}"><label for="region">AWS region</label>
<input id="region" name="region" value="${values?.region ?? view.defaults.region}" required${errors['region'] === undefined ? '' : html` aria-invalid="true" aria-describedby="region-error"`}>${fieldError('region')}</div>
<p class="hint">Audience of Roleport-signed tokens: <code>${view.defaults.audience}</code></p>
</fieldset>
<button type="submit" id="start-session">Start session</button>
</form>`
}`;
  return renderPage(view.page, { title: 'Start a session', body });
}

/** Right after the start: the credential, once, and the commands to paste. */
export function renderSessionStarted(view: SessionStartedView): string {
  const { session } = view;
  const body = html`<h1>Session started</h1>
<p class="notice success" role="status" id="session-started">Session <a id="session-link" href="/sessions/${session.id}"><code id="session-id">${session.id}</code></a> is active with ${session.roles.length === 1 ? 'one role' : `${session.roles.length} roles`}: ${session.roles.map((role, i) => html`${i > 0 ? ', ' : ''}<strong>${role.profile}</strong>`)}.</p>
<div class="notice credential">
<p><strong>The session credential is shown only now.</strong> Keep it like a password: whoever holds it gets this session's tokens until the session ends. It is in the first command below.</p>
<p><code id="session-credential">${view.credential}</code></p>
</div>
<ol class="steps">
<li><h2>Run the agent, in a terminal of its own</h2>
<p>It keeps the session's token fresh and writes the session's environment and AWS config to <code>~/.roleport/sessions/${session.id}</code>. Leave it running.</p>
${commandBlock('agent-command', 'the agent command', agentCommand(view.commands, session.id, view.credential))}</li>
<li><h2>Use AWS in another terminal</h2>
<p>Load the environment the agent wrote, then call AWS: any AWS SDK or CLI finds the credentials by itself and they refresh on their own.</p>
${commandBlock('workload-commands', 'the workload commands', workloadCommands(view.commands, session.id))}</li>
</ol>
${manualEnvironment(view.commands, session)}
<p class="actions"><a href="/sessions/${session.id}">This session's page</a> <a href="/sessions">Your sessions</a></p>`;
  return renderPage(view.page, { title: 'Session started', body });
}

/** The visitor's sessions, or every session for admins: a state filter (and a user filter for admins), paged newest first. */
export function renderSessionList(view: SessionListView): string {
  const all = view.scope === 'all';
  const action = all ? '/admin/sessions' : '/sessions';
  const title = all ? 'All sessions' : 'Your sessions';
  const body = html`<h1>${title}</h1>
${all ? '' : html`<p class="actions"><a class="button" id="new-session" href="/sessions/new">Start a session</a></p>`}
<form method="get" action="${action}" class="filters" id="session-filters" role="search" aria-label="Filter sessions">
${all ? html`<div class="field"><label for="filter-user">User</label><input id="filter-user" name="user" value="${view.filter.user ?? ''}"></div>` : ''}
<div class="field"><label for="filter-state">State</label><select id="filter-state" name="state">
${['', 'active', 'ended', 'revoked'].map((state) => html`<option value="${state}"${(view.filter.state ?? '') === state ? html` selected` : ''}>${state === '' ? 'any' : state}</option>`)}
</select></div>
<button type="submit" class="secondary" id="filter-sessions">Filter</button>
</form>
${
  view.sessions.length === 0
    ? html`<p class="muted" id="no-sessions">${view.filter.state === undefined && view.filter.user === undefined && !all ? 'You have no sessions yet.' : 'No sessions match.'}</p>`
    : html`<div class="table-scroll">${sessionsTable(view, all)}</div>`
}
${view.sessions.length === 0 && view.pager.firstHref === undefined ? '' : pager(view.pager)}`;
  return renderPage(view.page, { title, body });
}

/** One session: its state, roles, the refresh timeline, the commands, and end/revoke. */
export function renderSessionDetail(view: SessionDetailView): string {
  const { session, now } = view;
  const active = session.state === 'active';
  const back = view.page.path;
  const body = html`<h1>Session <code>${session.id}</code></h1>
<dl id="session-summary">
<dt>User</dt><dd id="session-user">${session.user}</dd>
<dt>State</dt><dd>${stateBadge(session.state)}${session.endedAt === null ? '' : html` <span class="muted">${session.state} ${relativeTime(session.endedAt, now)}${session.endedBy === null ? '' : ` by ${session.endedBy}`}</span>`}</dd>
<dt>Roles</dt><dd><ul>${session.roles.map((role) => html`<li><strong>${role.profile}</strong> <code>${role.arn}</code> <span class="muted">as ${role.sessionName}</span></li>`)}</ul></dd>
<dt>Token source</dt><dd>${session.tokenSource === 'broker' ? 'Roleport (broker)' : 'identity provider (viewer)'}, audience <code>${session.audience}</code>, ${formatDuration(session.tokenTtlSeconds * 1000)} tokens</dd>
<dt>Region</dt><dd>${session.region}</dd>
<dt>Started</dt><dd>${relativeTime(session.createdAt, now)}</dd>
<dt>Last refresh</dt><dd id="session-last-token">${session.lastTokenAt === null ? html`<span class="muted">never</span>` : relativeTime(session.lastTokenAt, now)}</dd>
${active ? html`<dt>Token expires</dt><dd id="session-token-expires">${tokenExpiry(session, now)}</dd>` : ''}
</dl>
${
  view.canEnd || view.canRevoke
    ? html`<p class="actions">${
        view.canEnd
          ? actionForm({ action: `/sessions/${session.id}/end`, csrf: view.page.user.csrfToken, label: 'End session', id: 'end-session', confirm: `End session ${session.id}? Its agent gets no new token and its credentials stop refreshing.`, returnTo: back })
          : ''
      } ${
        view.canRevoke
          ? actionForm({ action: `/admin/sessions/${session.id}/revoke`, csrf: view.page.user.csrfToken, label: 'Revoke', id: 'revoke-session', confirm: `Revoke ${session.user}'s session ${session.id}? Its agent gets no new token from its next request on.`, returnTo: back, danger: true })
          : ''
      }</p>`
    : ''
}
<h2>Refresh timeline</h2>
${renderTimelineChart({ tokens: view.timeline, now, until: session.endedAt ?? now })}
${
  active
    ? html`<h2>Use this session</h2>
<p>Run the agent with the credential shown when the session started (it is not shown again), then load its environment:</p>
${commandBlock('agent-command', 'the agent command', agentCommand(view.commands, session.id, '<the credential shown when the session started>'))}
${commandBlock('workload-commands', 'the workload commands', workloadCommands(view.commands, session.id))}
${otherTargets(session)}${manualEnvironment(view.commands, session)}`
    : ''
}`;
  return renderPage(view.page, { title: `Session ${session.id}`, body });
}

/** The cloud targets after the first of each cloud, by the file each one's SDK is pointed at instead. */
function otherTargets(session: SessionView): SafeHtml | '' {
  const others = otherTargetFiles(session, sessionDir(session.id));
  return others.length > 0 ? html`<p class="hint" id="other-targets">Other cloud targets: ${others.map((file, i) => html`${i > 0 ? ', ' : ''}<code>${file}</code>`)}.</p>` : '';
}

/** With AWS's own STS, the variables for a workload set up by hand (a container spec). */
function manualEnvironment(commands: CommandSettings, session: SessionView): SafeHtml | '' {
  if (commands.stsEndpoint !== undefined) return '';
  const environment = tokenFileEnvironment(session);
  if (environment === undefined) return '';
  const profiles = session.roles.length > 1 ? html`<p class="hint">Other roles: ${session.roles.slice(1).map((r, i) => html`${i > 0 ? ', ' : ''}<code>AWS_PROFILE=${r.profile}</code>`)}.</p>` : '';
  return html`<details id="manual-environment"><summary>Or set the variables yourself (a container spec, say)</summary>
<p>With the agent running, these are what its env file holds for the token file:</p>
${commandBlock('session-env', 'the environment variables', environment)}${profiles}</details>`;
}

function sessionsTable(view: SessionListView, all: boolean): SafeHtml {
  const { now } = view;
  const back = view.page.path;
  return html`<table id="sessions">
<caption class="sr-only">${title(all)}, newest first</caption>
<thead><tr><th scope="col">Session</th>${all ? html`<th scope="col">User</th>` : ''}<th scope="col">State</th><th scope="col">Roles</th><th scope="col">Started</th><th scope="col">Last refresh</th><th scope="col">Token</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
<tbody>
${view.sessions.map(
  (session) => html`<tr class="session" id="session-${session.id}" data-state="${session.state}">
<th scope="row"><a href="/sessions/${session.id}"><code>${session.id}</code></a></th>
${all ? html`<td class="session-user">${session.user}</td>` : ''}
<td class="session-state">${stateBadge(session.state)}</td>
<td class="session-roles">${session.roles.map((role, index) => html`${index > 0 ? ', ' : ''}<span title="${role.arn}">${role.profile}</span>`)}</td>
<td class="session-started nowrap">${relativeTime(session.createdAt, now)}</td>
<td class="session-last-token nowrap">${session.lastTokenAt === null ? html`<span class="muted">never</span>` : relativeTime(session.lastTokenAt, now)}</td>
<td class="session-token-expires nowrap">${session.state === 'active' ? tokenExpiry(session, now) : html`<span class="muted">${session.state}${session.endedAt === null ? '' : html` ${relativeTime(session.endedAt, now)}`}</span>`}</td>
<td>${
    session.state !== 'active'
      ? ''
      : all
        ? actionForm({ action: `/admin/sessions/${session.id}/revoke`, csrf: view.page.user.csrfToken, label: 'Revoke', id: `revoke-${session.id}`, confirm: `Revoke ${session.user}'s session ${session.id}? Its agent gets no new token from its next request on.`, returnTo: back, danger: true, small: true })
        : actionForm({ action: `/sessions/${session.id}/end`, csrf: view.page.user.csrfToken, label: 'End', id: `end-${session.id}`, confirm: `End session ${session.id}? Its agent gets no new token and its credentials stop refreshing.`, returnTo: back, small: true })
  }</td>
</tr>`,
)}
</tbody>
</table>`;
}

function title(all: boolean): string {
  return all ? 'Every session' : 'Your sessions';
}

/** An active session's token: when it expires (or expired), or that none was issued yet. */
function tokenExpiry(session: SessionView, now: number): SafeHtml {
  if (session.tokenExpiresAt === null) return html`<span class="muted">no token yet</span>`;
  return session.tokenExpiresAt > now ? html`expires ${relativeTime(session.tokenExpiresAt, now)}` : html`<span class="muted">expired ${relativeTime(session.tokenExpiresAt, now)}</span>`;
}

function stateBadge(state: SessionView['state']): SafeHtml {
  return html`<span class="state state-${state}">${state}</span>`;
}

/** How many sessions a page shows, for the pager's summary. */
export function sessionsSummary(count: number, older: boolean): string {
  return `${plural(count, 'session')}${older ? ' (older ones on the next page)' : ''}, newest first`;
}
