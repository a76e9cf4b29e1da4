import { html, type SafeHtml } from './html.ts';

/**
 * How the pages write times, durations and role ARNs — one home, so every page says "3 min
 * ago" the same way and always offers the exact time.
 */

/** `2026-01-01 12:00:00 UTC`. */
export function exactTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "in 12 min", "3 h ago", "now": how far `ms` is from `now`. */
export function relativeText(ms: number, now: number): string {
  const delta = ms - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** A time as people read it (relative), with the exact time as its tooltip and machine-readable value. */
export function relativeTime(ms: number, now: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" title="${exactTime(ms)}">${relativeText(ms, now)}</time>`;
}

/** "45 s", "12 min", "3.5 h", "4 days". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

/** The account and the role's name of an IAM role ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`). */
export function splitRoleArn(arn: string): { account: string; name: string } {
  const [, , , , account = '', resource = ''] = arn.split(':');
  return { account, name: resource.slice(resource.lastIndexOf('/') + 1) };
}

/** A role as a short name with its account, the full ARN as tooltip. */
export function roleLabel(arn: string): SafeHtml {
  const { account, name } = splitRoleArn(arn);
  return html`<span title="${arn}">${name}</span> <span class="muted nowrap">${account}</span>`;
}

/** "1 session", "3 sessions". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A long identifier (a session id) cut to its first characters, the whole as tooltip: tables stay narrow and no id breaks mid-word. */
export function shortId(id: string): SafeHtml {
  return id.length <= 16 ? html`<code>${id}</code>` : html`<code title="${id}">${id.slice(0, 12)}…</code>`;
}
