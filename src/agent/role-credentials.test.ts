import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, isRoleportError } from '../core/index.ts';
import type { AssumeRoleWithWebIdentityResult } from '../aws/index.ts';
import { ManualTimers } from './timers.ts';
import { createRoleCredentials, type RoleCredentials } from './role-credentials.ts';

class Gone extends Error {}

/** Scripted STS outcomes; each success's credentials last `durationMs` from "now". */
function scriptedExchange(clock: ManualClock, durationMs: number) {
  const outcomes: Array<'ok' | 'fail' | 'gone'> = [];
  let calls = 0;
  return {
    outcomes,
    calls: () => calls,
    exchange: async (): Promise<AssumeRoleWithWebIdentityResult> => {
      calls += 1;
      const outcome = outcomes.shift() ?? 'ok';
      if (outcome === 'fail') throw new Error('STS Throttling');
      if (outcome === 'gone') throw new Gone('invalid_grant');
      return {
        credentials: { accessKeyId: `ASIA${calls}`, secretAccessKey: 'secret', sessionToken: `token-${calls}`, expiration: clock.now() + durationMs },
        assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/DataScientist/alice',
        assumedRoleId: 'AROA:alice',
        accountId: '111111111111',
        subjectFromWebIdentityToken: 'user:alice',
        audience: 'sts.amazonaws.com',
        provider: undefined,
        sourceIdentity: undefined,
        region: 'us-east-1',
        attempts: 1,
      };
    },
  };
}

describe('createRoleCredentials', () => {
  let credentials: RoleCredentials | undefined;
  afterEach(() => credentials?.close());

  function setup(durationMs: number) {
    const clock = new ManualClock();
    const timers = new ManualTimers(clock);
    const sts = scriptedExchange(clock, durationMs);
    credentials = createRoleCredentials({
      roleArn: 'arn:aws:iam::111111111111:role/DataScientist',
      profile: 'DataScientist',
      exchange: sts.exchange,
      isFinal: (error) => error instanceof Gone,
      clock,
      timers,
      random: () => 0.5,
      backoff: { initialMs: 1000, maxMs: 60_000 },
    });
    credentials.start();
    return { clock, timers, sts, credentials };
  }

  test('serves the SDK response shape and renews 20 minutes before a 1-hour expiry', async () => {
    const { clock, timers, sts, credentials: c } = setup(3600_000);
    const t0 = clock.now();
    const body = await c.get(1000);
    assert.deepEqual(body, { AccessKeyId: 'ASIA1', SecretAccessKey: 'secret', Token: 'token-1', Expiration: new Date(t0 + 3600_000).toISOString(), AccountId: '111111111111' });
    assert.equal(c.status().nextRenewalAt, t0 + 40 * 60_000);
    await timers.advance(40 * 60_000);
    assert.equal(sts.calls(), 2);
    assert.equal((await c.get(1000)).AccessKeyId, 'ASIA2');
  });

  test('short durations renew at half their lifetime', async () => {
    const { clock, credentials: c } = setup(900_000);
    const t0 = clock.now();
    await c.get(1000);
    assert.equal(c.status().nextRenewalAt, t0 + 450_000);
  });

  test('through an outage the old credentials are served while valid, never after', async () => {
    const { clock, timers, sts, credentials: c } = setup(3600_000);
    const t0 = clock.now();
    await c.get(1000);
    sts.outcomes.push(...Array.from({ length: 200 }, () => 'fail' as const));
    await timers.advance(50 * 60_000);
    assert.equal(c.status().state, 'retrying');
    assert.equal((await c.get(10)).AccessKeyId, 'ASIA1');
    // 60 s before expiry the old ones are no longer handed out.
    await timers.advance(t0 + 3600_000 - 59_000 - clock.now());
    await assert.rejects(c.get(10), (error: unknown) => isRoleportError(error) && error.code === 'ERR_CREDENTIALS_UNAVAILABLE' && /Throttling/.test(error.message));
    // STS comes back: the next retry renews and serving resumes.
    sts.outcomes.length = 0;
    await timers.advance(timers.nextAt()! - clock.now());
    assert.equal(c.status().state, 'valid');
    assert.notEqual((await c.get(10)).AccessKeyId, 'ASIA1');
  });

  test('a final refusal stops renewals', async () => {
    const { timers, sts, credentials: c } = setup(3600_000);
    await c.get(1000);
    sts.outcomes.push('gone');
    await timers.advance(40 * 60_000);
    assert.equal(c.status().state, 'stopped');
    assert.equal(timers.pending, 0);
  });
});
