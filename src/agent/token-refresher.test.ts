import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../core/index.ts';
import { ManualTimers } from './timers.ts';
import { writeTokenFile, removeTokenFile } from './token-file.ts';
import { createTokenRefresher, type RefreshEvent, type TokenRefresher } from './token-refresher.ts';

class Refused extends Error {}

/** A scripted token source: each call takes the next outcome; tokens carry their `exp`. */
function scriptedSource(clock: ManualClock, lifetimeMs: number) {
  const outcomes: Array<'ok' | 'fail' | 'refuse'> = [];
  let issued = 0;
  return {
    outcomes,
    calls: () => issued,
    fetchToken: async () => {
      issued += 1;
      const outcome = outcomes.shift() ?? 'ok';
      if (outcome === 'fail') throw new Error('broker unreachable');
      if (outcome === 'refuse') throw new Refused('invalid_grant: session revoked');
      const expiresAt = clock.now() + lifetimeMs;
      const payload = Buffer.from(JSON.stringify({ n: issued, exp: Math.floor(expiresAt / 1000) })).toString('base64url');
      return { token: `eyJhbGciOiJSUzI1NiJ9.${payload}.sig`, expiresAt };
    },
  };
}

describe('createTokenRefresher', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  let timers: ManualTimers;
  let events: RefreshEvent[];
  let refresher: TokenRefresher | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roleport-refresher-'));
    file = join(dir, 'token');
    clock = new ManualClock();
    timers = new ManualTimers(clock);
    events = [];
  });
  afterEach(() => {
    refresher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(source: ReturnType<typeof scriptedSource>, random = () => 0.5, refreshJitter = 0): TokenRefresher {
    refresher = createTokenRefresher({
      refreshJitter,
      fetchToken: source.fetchToken,
      isFinal: (error) => error instanceof Refused,
      writeToken: (token) => writeTokenFile(file, token),
      removeToken: () => removeTokenFile(file),
      clock,
      timers,
      random,
      backoff: { initialMs: 1000, maxMs: 8000 },
      onEvent: (event) => events.push(event),
    });
    refresher.start();
    return refresher;
  }

  const tokenNumber = (): number => JSON.parse(Buffer.from(readFileSync(file, 'utf8').split('.')[1]!, 'base64url').toString()).n as number;

  test('writes the bare token 0600 and refreshes at 80 % of its lifetime', async () => {
    const source = scriptedSource(clock, 60_000);
    const r = start(source);
    await r.ready;
    const t0 = clock.now();
    assert.equal(tokenNumber(), 1);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!readFileSync(file, 'utf8').endsWith('\n'));
    assert.equal(r.status().nextRefreshAt, t0 + 48_000);
    await timers.advance(47_999);
    assert.equal(source.calls(), 1);
    await timers.advance(1);
    assert.equal(source.calls(), 2);
    assert.equal(tokenNumber(), 2);
    assert.equal(r.status().state, 'fresh');
    assert.equal(r.status().refreshes, 2);
    const refreshed = events.filter((e) => e.type === 'refreshed');
    assert.deepEqual(refreshed[1], { type: 'refreshed', plannedAt: t0 + 48_000, completedAt: t0 + 48_000, expiresAt: t0 + 48_000 + 60_000 });
  });

  test('the default jitter moves each refresh up to 5 % of the lifetime earlier, never later', async () => {
    const draws = [0, 0.999, 0.5];
    const r = start(scriptedSource(clock, 60_000), () => draws.shift() ?? 0.5, 0.05);
    await r.ready;
    const t0 = clock.now();
    assert.equal(r.status().nextRefreshAt, t0 + 48_000);
    await timers.advance(48_000);
    assert.equal(r.status().nextRefreshAt, clock.now() + Math.floor(60_000 * (0.8 - 0.05 * 0.999)));
    await timers.advance(r.status().nextRefreshAt! - clock.now());
    assert.equal(r.status().nextRefreshAt, clock.now() + Math.floor(60_000 * 0.775));
    assert.equal(r.status().refreshes, 3);
  });

  test('failures back off exponentially with full jitter, the old token stays, expiry is reported, recovery resets', async () => {
    const source = scriptedSource(clock, 60_000);
    const r = start(source);
    await r.ready;
    const t0 = clock.now();
    source.outcomes.push('fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail');
    // Attempts at 48 s, 48.5, 49.5, 51.5, 55.5, 59.5, 63.5 fail; the next is due at 67.5 s.
    await timers.advance(48_000 + 19_000);
    assert.equal(r.status().state, 'expired');
    assert.ok(events.some((e) => e.type === 'expired'));
    assert.equal(tokenNumber(), 1);
    await timers.advance(1_000);
    const retryAts = events.flatMap((e) => (e.type === 'failed' ? [e.retryAt] : []));
    // random() = 0.5 of min(8000, 1000·2^(n−1)): 500, 1000, 2000, 4000, 4000, 4000, 4000.
    const gaps = retryAts.map((at, i) => at - (i === 0 ? t0 + 48_000 : retryAts[i - 1]!));
    assert.deepEqual(gaps, [500, 1000, 2000, 4000, 4000, 4000, 4000]);
    // The eighth attempt succeeded (the script ran out of failures).
    assert.equal(r.status().state, 'fresh');
    assert.equal(r.status().consecutiveFailures, 0);
    assert.equal(r.status().failures, 7);
    assert.equal(tokenNumber(), 9);
  });

  test('while retrying before expiry the state is retrying and the file is untouched', async () => {
    const source = scriptedSource(clock, 60_000);
    const r = start(source);
    await r.ready;
    const before = readFileSync(file, 'utf8');
    source.outcomes.push('fail');
    await timers.advance(48_000);
    assert.equal(r.status().state, 'retrying');
    assert.equal(r.status().lastError, 'broker unreachable');
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  test('a final refusal stops refresh; the file goes exactly when the token expires', async () => {
    const source = scriptedSource(clock, 60_000);
    const r = start(source);
    await r.ready;
    const expiresAt = r.status().tokenExpiresAt!;
    source.outcomes.push('refuse');
    await timers.advance(48_000);
    assert.equal(r.status().state, 'stopped');
    assert.match(r.status().stoppedReason!, /invalid_grant/);
    assert.equal(r.status().nextRefreshAt, null);
    await timers.advance(expiresAt - clock.now() - 1);
    assert.ok(existsSync(file));
    await timers.advance(1);
    assert.ok(!existsSync(file));
    assert.equal(events.at(-1)?.type, 'removed');
    assert.equal(timers.pending, 0);
    assert.equal(source.calls(), 2);
  });

  test('a refusal before the first token rejects ready', async () => {
    const source = scriptedSource(clock, 60_000);
    source.outcomes.push('refuse');
    const r = start(source);
    await assert.rejects(r.ready, Refused);
    assert.ok(!existsSync(file));
  });

  test('an invalid refresh fraction is a programming error', () => {
    assert.throws(
      () => createTokenRefresher({ fetchToken: async () => ({ token: 'a', expiresAt: 0 }), isFinal: () => false, writeToken: () => {}, removeToken: () => {}, clock, timers, refreshFraction: 1 }),
      TypeError,
    );
  });
});
