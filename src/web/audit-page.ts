import { html } from './html.ts';
import { renderPage } from './layout.ts';
import { prelude, type SessionPageUser } from './session-pages.ts';

/** An audit event as the page lists it (epoch milliseconds). */
export interface AuditEventView {
  occurredAt: number;
  type: string;
  actor: string;
  userName?: string | undefined;
  sessionId?: string | undefined;
  roleArn?: string | undefined;
  jti?: string | undefined;
  subject?: string | undefined;
  audience?: string | undefined;
  expiresAt?: number | undefined;
  details?: Record<string, unknown> | undefined;
}

export interface AuditFilterView {
  user?: string | undefined;
  session?: string | undefined;
  role?: string | undefined;
  event?: string | undefined;
}

export interface AuditPageView {
  user: SessionPageUser;
  events: readonly AuditEventView[];
  filter: AuditFilterView;
  limit: number;
  /** The same filter as JSON lines. */
  exportHref: string;
}

/** Event types offered in the filter; any other type can still be typed in. */
const KNOWN_TYPES = [
  'token.minted', 'session.started', 'session.ended', 'session.revoked', 'session.roles_set',
  'user_token.created', 'user_token.revoked', 'cli.login', 'user.created', 'user.signed_in', 'user.signed_out', 'user.roles_set',
  'sso.tokens_refreshed', 'sso.sign_in_failed', 'key.created', 'key.activated', 'key.retired', 'key.removed', 'key.rotated',
];

/** The audit log for admins: filter by user, session, role and event; export as JSON lines. */
export function renderAuditPage(view: AuditPageView): string {
  const { filter } = view;
  const body = html`${prelude(view.user, '/admin/audit')}
<h1>Audit log</h1>
<form method="get" action="/admin/audit" class="filters" id="audit-filters">
<div class="field"><label for="audit-user">User</label><input id="audit-user" name="user" value="${filter.user ?? ''}"></div>
<div class="field"><label for="audit-session">Session</label><input id="audit-session" name="session" value="${filter.session ?? ''}" placeholder="ses_…"></div>
<div class="field"><label for="audit-role">Role ARN</label><input id="audit-role" name="role" value="${filter.role ?? ''}" size="40"></div>
<div class="field"><label for="audit-event">Event</label><input id="audit-event" name="event" value="${filter.event ?? ''}" list="audit-event-types">
<datalist id="audit-event-types">${KNOWN_TYPES.map((type) => html`<option value="${type}"></option>`)}</datalist></div>
<div class="field"><label for="audit-limit">Show</label><select id="audit-limit" name="limit">${[100, 500, 2000].map((n) => html`<option value="${n}"${n === view.limit ? html` selected` : ''}>${n}</option>`)}</select></div>
<button type="submit" class="secondary" id="audit-filter">Filter</button>
</form>
<p><a id="audit-export" href="${view.exportHref}" download>Export as JSON lines</a></p>
${
  view.events.length === 0
    ? html`<p class="muted" id="audit-empty">No events match.</p>`
    : html`<table id="audit-events">
<caption>${view.events.length === view.limit ? `The latest ${view.limit} matching events` : `${view.events.length} matching event${view.events.length === 1 ? '' : 's'}`}, newest first</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">User</th><th scope="col">Session</th><th scope="col">Role</th><th scope="col">Details</th></tr></thead>
<tbody>
${view.events.map(
  (event) => html`<tr class="audit-event" data-type="${event.type}">
<td><time datetime="${new Date(event.occurredAt).toISOString()}">${new Date(event.occurredAt).toISOString().slice(0, 19).replace('T', ' ')}</time></td>
<td class="audit-type"><code>${event.type}</code></td>
<td>${event.actor}</td>
<td class="audit-user">${event.userName ?? ''}</td>
<td class="audit-session">${event.sessionId === undefined ? '' : html`<a href="/sessions/${event.sessionId}"><code>${event.sessionId}</code></a>`}</td>
<td class="audit-role">${event.roleArn === undefined ? '' : html`<span title="${event.roleArn}">${event.roleArn.slice(event.roleArn.lastIndexOf('/') + 1)}</span> <span class="muted">${event.roleArn.split(':')[4] ?? ''}</span>`}</td>
<td class="details">${details(event)}</td>
</tr>`,
)}
</tbody>
</table>`
}`;
  return renderPage({ title: 'Audit log', body, user: view.user });
}

function details(event: AuditEventView) {
  const parts: Array<[string, string]> = [];
  if (event.jti !== undefined) parts.push(['jti', event.jti]);
  if (event.subject !== undefined) parts.push(['sub', event.subject]);
  if (event.audience !== undefined) parts.push(['aud', event.audience]);
  if (event.expiresAt !== undefined) parts.push(['exp', new Date(event.expiresAt).toISOString()]);
  if (event.details !== undefined) parts.push(['', JSON.stringify(event.details)]);
  return parts.map(([key, value], index) => html`${index > 0 ? html`<br>` : ''}${key === '' ? '' : html`${key} `}<code>${value}</code>`);
}
