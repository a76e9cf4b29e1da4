import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverageGaps, renderTimelineChart, type TimelineToken } from './timeline-chart.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const token = (issuedSeconds: number, lifetimeSeconds: number, role = 'DataScientist'): TimelineToken => ({
  issuedAt: T0 + issuedSeconds * 1000,
  expiresAt: T0 + (issuedSeconds + lifetimeSeconds) * 1000,
  role,
  jti: `jti-${issuedSeconds}`,
});

test('coverageGaps: refreshes at 80% of the lifetime leave no gap', () => {
  const tokens = [0, 48, 96, 144].map((s) => token(s, 60));
  assert.deepEqual(coverageGaps(tokens, T0 + 200_000), []);
});

test('coverageGaps: a late refresh and an expired last token show as gaps, clipped to "until"', () => {
  const tokens = [token(0, 60), token(90, 60)];
  assert.deepEqual(coverageGaps(tokens, T0 + 200_000), [
    { from: T0 + 60_000, to: T0 + 90_000 },
    { from: T0 + 150_000, to: T0 + 200_000 },
  ]);
  assert.deepEqual(coverageGaps(tokens, T0 + 75_000), [{ from: T0 + 60_000, to: T0 + 75_000 }]);
});

test('the chart: one lane per role, a dot per token, a text summary, and every label escaped', () => {
  const svg = renderTimelineChart({ tokens: [token(0, 60), token(48, 60), token(0, 60, '<script>x</script>')], now: T0 + 50_000 }).value;
  assert.equal([...svg.matchAll(/class="tl-issue"/g)].length, 3);
  assert.equal([...svg.matchAll(/class="tl-lane"/g)].length, 2);
  assert.match(svg, /role="img"/);
  assert.match(svg, /data-tokens="3" data-gaps="0">3 tokens issued between 00:00:00 and 00:00:48 UTC; a valid token was in place all along\./);
  assert.ok(!svg.includes('<script>'), 'labels are escaped');
  assert.match(svg, /&lt;script&gt;/);
});

test('the chart with no token says so instead of drawing an empty frame', () => {
  assert.match(renderTimelineChart({ tokens: [], now: T0 }).value, /id="timeline-empty"/);
});

test('layoutRows: each token on the lowest row free when it was issued, so no bar covers another', async () => {
  const { layoutRows } = await import('./timeline-chart.ts');
  // Refreshed every 20 s with 60 s lifetimes: three tokens overlap at any time, so three rows.
  const tokens = [0, 20, 40, 60, 80, 100].map((s) => token(s, 60));
  const { placed, rows } = layoutRows(tokens);
  assert.equal(rows, 3);
  assert.deepEqual(placed.map((p) => p.row), [0, 1, 2, 0, 1, 2]);
  for (const a of placed) {
    for (const b of placed) {
      if (a !== b && a.row === b.row) assert.ok(a.token.expiresAt! <= b.token.issuedAt || b.token.expiresAt! <= a.token.issuedAt, 'bars on one row never overlap');
    }
  }
  // Timely refreshes at 80 % need two rows; one token needs one.
  assert.equal(layoutRows([0, 48, 96].map((s) => token(s, 60))).rows, 2);
  assert.equal(layoutRows([token(0, 60)]).rows, 1);
});
