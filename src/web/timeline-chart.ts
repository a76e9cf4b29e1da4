import { formatDuration } from './format.ts';
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
const LANE_GAP = 10;
const AXIS = 26;

/**
 * The refresh timeline: one lane per role; each token a bar from issue to expiry, on the first
 * row of its lane where it overlaps no other bar (so the overlap of a timely refresh shows and
 * bars never cover each other, however often tokens were issued), a dot where it was issued,
 * a red band wherever the role had no valid token, and a line at "now". Pure SVG drawn on the
 * server, with a text summary for screen readers.
 */
export function renderTimelineChart(view: TimelineView): SafeHtml {
  if (view.tokens.length === 0) return html`<p class="muted" id="timeline-empty">No token issued yet: the session's agent has not asked for one.</p>`;
  const lanes = [...new Set(view.tokens.map((t) => t.role))];
  const start = Math.min(...view.tokens.map((t) => t.issuedAt));
  const end = Math.max(view.now, ...view.tokens.map((t) => t.expiresAt ?? t.issuedAt));
  const span = Math.max(end - start, 1000);
  const x = (ms: number): number => LEFT + ((ms - start) / span) * (WIDTH - LEFT - RIGHT);
  const layouts = lanes.map((role) => layoutRows(view.tokens.filter((t) => t.role === role)));
  const laneTops: number[] = [];
  layouts.forEach((_layout, index) => laneTops.push(index === 0 ? TOP : laneTops[index - 1]! + laneHeight(layouts[index - 1]!.rows)));
  const axisY = (laneTops.at(-1) ?? TOP) + laneHeight(layouts.at(-1)?.rows ?? 1);
  const height = axisY + AXIS;
  const gaps = lanes.flatMap((role) => coverageGaps(view.tokens.filter((t) => t.role === role), Math.min(view.until ?? view.now, end)).map((gap) => ({ role, ...gap })));
  const longestGap = Math.max(0, ...gaps.map((g) => g.to - g.from));
  const summary = `${view.tokens.length} token${view.tokens.length === 1 ? '' : 's'} issued between ${clock(start, span)} and ${clock(Math.max(...view.tokens.map((t) => t.issuedAt)), span)} UTC; ${
    gaps.length === 0 ? 'a valid token was in place all along' : `${gaps.length} gap${gaps.length === 1 ? '' : 's'} without a valid token, the longest ${formatDuration(longestGap)}`
  }.`;

  const laneMarks = lanes.map((role, laneIndex) => {
    const top = laneTops[laneIndex]!;
    const { placed, rows } = layouts[laneIndex]!;
    return html`<g class="tl-lane" data-rows="${rows}">
<text class="tl-label" x="${LEFT - 8}" y="${top + ROW + 4}" text-anchor="end">${truncate(role, 16)}</text>
${gaps.filter((g) => g.role === role).map((g) => html`<rect class="tl-gap" x="${fixed(x(g.from))}" y="${top}" width="${fixed(Math.max(x(g.to) - x(g.from), 1))}" height="${Math.max(rows, 2) * ROW}"><title>no valid token for ${formatDuration(g.to - g.from)}</title></rect>`)}
${placed.map(({ token, row }) => {
  const y = top + row * ROW + ROW / 2;
  const x1 = x(token.issuedAt);
  const x2 = x(token.expiresAt ?? token.issuedAt);
  const label = `issued ${new Date(token.issuedAt).toISOString()}${token.expiresAt === undefined ? '' : `, expires ${new Date(token.expiresAt).toISOString()}`}${token.jti === undefined ? '' : `, jti ${token.jti}`}`;
  return html`<g class="tl-token"><title>${label}</title><line class="tl-life" x1="${fixed(x1)}" y1="${y}" x2="${fixed(Math.max(x2, x1 + 1))}" y2="${y}"></line><circle class="tl-issue" cx="${fixed(x1)}" cy="${y}" r="3"></circle></g>`;
})}
</g>`;
  });

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

/**
 * Puts each token (oldest first) on the lowest row whose last bar ended by the time it was issued:
 * as many rows as tokens ever overlapped, and no bar drawn over another.
 */
export function layoutRows(tokens: readonly TimelineToken[]): { placed: Array<{ token: TimelineToken; row: number }>; rows: number } {
  const rowEnds: number[] = [];
  const placed = [...tokens]
    .sort((a, b) => a.issuedAt - b.issuedAt)
    .map((token) => {
      let row = rowEnds.findIndex((end) => end <= token.issuedAt);
      if (row === -1) row = rowEnds.length;
      rowEnds[row] = token.expiresAt ?? token.issuedAt;
      return { token, row };
    });
  return { placed, rows: Math.max(rowEnds.length, 1) };
}

function laneHeight(rows: number): number {
  return Math.max(rows, 2) * ROW + LANE_GAP;
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

function fixed(value: number): string {
  return value.toFixed(1);
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
