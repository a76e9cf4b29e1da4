import { html, type SafeHtml } from './html.ts';

/** One token issued to a session (epoch milliseconds). */
export interface TimelineToken {
  issuedAt: number;
  expiresAt: number | undefined;
  /** The role's profile name, one lane per role. */
  role: string;
  jti: string | undefined;
}

export interface TimelineView {
  tokens: readonly TimelineToken[];
  now: number;
  /** Gaps count until here: now for an active session, when it ended otherwise. */
  until?: number | undefined;
}

const WIDTH = 720;
const LEFT = 120;
const RIGHT = 12;
const TOP = 8;
const ROW = 10;
const LANE = 2 * ROW + 10;
const AXIS = 26;

/**
 * The refresh timeline: one lane per role; each token a bar from issue to expiry (alternating
 * between two rows so the overlap of a timely refresh shows), a dot where it was issued, a
 * red band wherever the role had no valid token, and a line at "now". Pure SVG drawn on the
 * server — the pages carry no script — with a text summary for screen readers.
 */
export function renderTimelineChart(view: TimelineView): SafeHtml {
  if (view.tokens.length === 0) return html`<p class="muted" id="timeline-empty">No token issued yet: the session's agent has not asked for one.</p>`;
  const lanes = [...new Set(view.tokens.map((t) => t.role))];
  const start = Math.min(...view.tokens.map((t) => t.issuedAt));
  const end = Math.max(view.now, ...view.tokens.map((t) => t.expiresAt ?? t.issuedAt));
  const span = Math.max(end - start, 1000);
  const x = (ms: number): number => LEFT + ((ms - start) / span) * (WIDTH - LEFT - RIGHT);
  const height = TOP + lanes.length * LANE + AXIS;
  const gaps = lanes.flatMap((role) => coverageGaps(view.tokens.filter((t) => t.role === role), Math.min(view.until ?? view.now, end)).map((gap) => ({ role, ...gap })));
  const longestGap = Math.max(0, ...gaps.map((g) => g.to - g.from));
  const summary = `${view.tokens.length} token${view.tokens.length === 1 ? '' : 's'} issued between ${clock(start, span)} and ${clock(Math.max(...view.tokens.map((t) => t.issuedAt)), span)} UTC; ${
    gaps.length === 0 ? 'a valid token was in place all along' : `${gaps.length} gap${gaps.length === 1 ? '' : 's'} without a valid token, the longest ${duration(longestGap)}`
  }.`;

  const laneMarks = lanes.map((role, laneIndex) => {
    const top = TOP + laneIndex * LANE;
    const tokens = view.tokens.filter((t) => t.role === role).sort((a, b) => a.issuedAt - b.issuedAt);
    return html`<g class="tl-lane">
<text class="tl-label" x="${LEFT - 8}" y="${top + ROW + 4}" text-anchor="end">${truncate(role, 16)}</text>
${gaps.filter((g) => g.role === role).map((g) => html`<rect class="tl-gap" x="${fixed(x(g.from))}" y="${top}" width="${fixed(Math.max(x(g.to) - x(g.from), 1))}" height="${2 * ROW}"><title>no valid token for ${duration(g.to - g.from)}</title></rect>`)}
${tokens.map((token, index) => {
  const y = top + (index % 2) * ROW + ROW / 2;
  const x1 = x(token.issuedAt);
  const x2 = x(token.expiresAt ?? token.issuedAt);
  const label = `issued ${new Date(token.issuedAt).toISOString()}${token.expiresAt === undefined ? '' : `, expires ${new Date(token.expiresAt).toISOString()}`}${token.jti === undefined ? '' : `, jti ${token.jti}`}`;
  return html`<g class="tl-token"><title>${label}</title><line class="tl-life" x1="${fixed(x1)}" y1="${y}" x2="${fixed(Math.max(x2, x1 + 1))}" y2="${y}"></line><circle class="tl-issue" cx="${fixed(x1)}" cy="${y}" r="3"></circle></g>`;
})}
</g>`;
  });

  const axisY = TOP + lanes.length * LANE;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => start + f * span);
  return html`<figure class="timeline">
<svg id="refresh-timeline" role="img" aria-labelledby="timeline-title timeline-summary" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">
<title id="timeline-title">Tokens issued to this session over time</title>
${laneMarks}
<line class="tl-axis" x1="${LEFT}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}"></line>
${ticks.map((t, i) => html`<text class="tl-tick" x="${fixed(x(t))}" y="${axisY + 16}" text-anchor="${i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}">${clock(t, span)}</text>`)}
${view.now <= end ? html`<line class="tl-now" x1="${fixed(x(view.now))}" y1="${TOP - 4}" x2="${fixed(x(view.now))}" y2="${axisY}"><title>now</title></line>` : ''}
</svg>
<figcaption id="timeline-summary" data-tokens="${view.tokens.length}" data-gaps="${gaps.length}">${summary}</figcaption>
</figure>`;
}

/** Intervals before `until` during which none of `tokens` was valid, after the first was issued. */
export function coverageGaps(tokens: readonly TimelineToken[], until: number): Array<{ from: number; to: number }> {
  const sorted = [...tokens].sort((a, b) => a.issuedAt - b.issuedAt);
  const gaps: Array<{ from: number; to: number }> = [];
  let coveredUntil = sorted[0]?.issuedAt ?? until;
  for (const token of sorted) {
    if (token.issuedAt >= until) break;
    if (token.issuedAt > coveredUntil) gaps.push({ from: coveredUntil, to: token.issuedAt });
    coveredUntil = Math.max(coveredUntil, token.expiresAt ?? token.issuedAt);
  }
  if (coveredUntil < until) gaps.push({ from: coveredUntil, to: until });
  return gaps;
}

function clock(ms: number, span: number): string {
  const iso = new Date(ms).toISOString();
  return span > 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 19);
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
