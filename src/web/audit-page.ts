import { pager, type FieldErrors, type PagerView } from './components.ts';
import { exactTime, relativeTime, roleLabel, shortId } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInPage } from './layout.ts';

/** An audit event as the page lists it (epoch milliseconds). */
export interface AuditEventView {
  id: number;
  occurredAt: number;
  type: string;
  actor: string;
  userName?: string | undefined;
  sessionId?: string | undefined;
  roleArn?: string | undefined;
  jti?: string | undefined;
  kid?: string | undefined;
  subject?: string | undefined;
  audience?: string | undefined;
  expiresAt?: number | undefined;
  details?: Record<string, unknown> | undefined;
}

/** The filters as typed (times as `datetime-local` values, UTC). */
export interface AuditFilterView {
  user?: string | undefined;
  session?: string | undefined;
  role?: string | undefined;
  event?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface AuditPageView {
  page: SignedInPage;
  events: readonly AuditEventView[];
  filter: AuditFilterView;
  now: number;
  pager: PagerView;
  /** The same filter as JSON lines. */
  exportHref: string;
  /** Event types offered in the event filter. */
  eventTypes: readonly string[];
  /** A filter that could not be read (a bad time), by field id. */
  errors?: FieldErrors | undefined;
}

/** Event types offered in the filter; any other can still be typed, and `session.*` matches a family. */
export const KNOWN_EVENT_TYPES = [
  'token.minted', 'session.*', 'session.started', 'session.ended', 'session.revoked', 'session.roles_set',
  'user.*', 'user.created', 'user.signed_in', 'user.signed_out', 'user.roles_set', 'user.unbound', 'user.deleted',
  'user_token.created', 'user_token.revoked', 'cli.login', 'sso.tokens_refreshed', 'sso.sign_in_failed',
  'key.*', 'key.created', 'key.activated', 'key.retired', 'key.removed', 'key.rotated',
  'sts.role_assumed', 'sts.request_refused', 'integration.*', 'integration.credentials_issued', 'content.*', 'api_key.*',
] as const;

/** The audit log for admins: filters that survive paging, newest first, readable details, JSON-lines export. */
export function renderAuditPage(view: AuditPageView): string {
  const { filter } = view;
  const errors = view.errors ?? {};
  const input = (id: string, name: keyof AuditFilterView, label: string, attributes: SafeHtml = html``) =>
    html`<div class="field${errors[id] === undefined ? '' : ' invalid'}"><label for="${id}">${label}</label><input id="${id}" name="${name}" value="${filter[name] ?? ''}"${attributes}${
      errors[id] === undefined ? '' : html` aria-invalid="true" aria-describedby="${id}-error"`
    }>${errors[id] === undefined ? '' : html`<span class="field-error" id="${id}-error">${label}: ${errors[id]}</span>`}</div>`;
  const body = html`<h1>Audit log</h1>
<p class="lead">Every token minted, exchange made, role assigned, key rotated and sign-in, newest first.</p>
<form method="get" action="/admin/audit" class="filters" id="audit-filters" role="search" aria-label="Filter the audit log">
${input('audit-user', 'user', 'User')}
${input('audit-session', 'session', 'Session', html` placeholder="ses_…" size="16"`)}
${input('audit-role', 'role', 'Role ARN', html` size="30"`)}
${input('audit-event', 'event', 'Event', html` list="audit-event-types" size="18"`)}
<datalist id="audit-event-types">${view.eventTypes.map((type) => html`<option value="${type}"></option>`)}</datalist>
${input('audit-from', 'from', 'From (UTC)', html` type="datetime-local" step="1"`)}
${input('audit-to', 'to', 'Until (UTC)', html` type="datetime-local" step="1"`)}
<button type="submit" class="secondary" id="audit-filter">Filter</button>
${Object.values(filter).some((value) => value !== undefined) ? html`<a href="/admin/audit" id="audit-clear">Clear</a>` : ''}
</form>
<p class="actions"><a id="audit-export" class="button secondary" href="${view.exportHref}" download>Export as JSON lines</a> <span class="hint">Every event that matches the filter, oldest first, one JSON object per line.</span></p>
${
  view.events.length === 0
    ? html`<p class="muted" id="audit-empty">No events match.</p>`
    : html`<div class="table-scroll"><table id="audit-events" class="audit">
<caption class="sr-only">Audit events, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">User</th><th scope="col">Session</th><th scope="col">Role</th><th scope="col">Details</th></tr></thead>
<tbody>
${view.events.map(
  (event) => html`<tr class="audit-event" data-type="${event.type}">
<td class="nowrap">${relativeTime(event.occurredAt, view.now)}</td>
<td class="audit-type"><code>${event.type}</code></td>
<td class="audit-actor">${actor(event.actor)}</td>
<td class="audit-user">${event.userName ?? ''}</td>
<td class="audit-session nowrap">${event.sessionId === undefined ? '' : html`<a href="/sessions/${event.sessionId}">${shortId(event.sessionId)}</a>`}</td>
<td class="audit-role">${event.roleArn === undefined ? '' : roleLabel(event.roleArn)}</td>
<td class="details">${details(event)}</td>
</tr>`,
)}
</tbody>
</table></div>`
}
${pager(view.pager)}`;
  return renderPage(view.page, { title: 'Audit log', body });
}

/**
 * Who acted: a user, `cli`, `system`, or a session's agent (`session:ses_…`, its id shortened).
 * A long one (`user:alice:role:111111111111:DataScientist`) may wrap after its colons, never
 * inside a word.
 */
function actor(text: string): SafeHtml {
  if (text.startsWith('session:')) return html`session ${shortId(text.slice('session:'.length))}`;
  return html`${text.split(':').map((part, index) => html`${index > 0 ? html`:<wbr>` : ''}${part}`)}`;
}

/** The event's other fields as key/value pairs: a one-line summary, the rest when expanded. */
function details(event: AuditEventView): SafeHtml {
  const pairs: Array<[string, string]> = [];
  if (event.jti !== undefined) pairs.push(['jti', event.jti]);
  if (event.kid !== undefined) pairs.push(['kid', event.kid]);
  if (event.subject !== undefined) pairs.push(['sub', event.subject]);
  if (event.audience !== undefined) pairs.push(['aud', event.audience]);
  if (event.expiresAt !== undefined) pairs.push(['exp', exactTime(event.expiresAt)]);
  for (const [key, value] of Object.entries(event.details ?? {})) pairs.push([key.replaceAll('_', ' '), readable(value)]);
  if (pairs.length === 0) return html`<span class="muted">—</span>`;
  const summary = pairs
    .slice(0, 2)
    .map(([key, value]) => `${key} ${value.length > 22 ? `${value.slice(0, 21)}…` : value}`)
    .join(' · ');
  return html`<details><summary>${summary}${pairs.length > 2 ? ` · ${pairs.length - 2} more` : ''}</summary><dl>${pairs.map(([key, value]) => html`<dt>${key}</dt><dd><code>${value}</code></dd>`)}</dl></details>`;
}

/** A detail's value as text: strings as they are, lists joined, anything else as compact JSON. */
function readable(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.length === 0 ? '(none)' : value.join(', ');
  if (Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && 'arn' in item)) {
    return value.length === 0 ? '(none)' : value.map((item: { arn: unknown; source?: unknown }) => `${String(item.arn)}${item.source === undefined ? '' : ` (${String(item.source)})`}`).join(', ');
  }
  return JSON.stringify(value) ?? String(value);
}
