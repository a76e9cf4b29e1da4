import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assumeRoleWithWebIdentity, StsExchangeError } from '../../src/aws/index.ts';
import { DS, RO, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';
import { tamperEnd } from '../helpers/tamper.ts';

/**
 * `assumeRoleWithWebIdentity` (src/aws/sts-exchange.ts) against Roleport's local STS, which
 * checks tokens and trust policies the way AWS does: a good token becomes credentials of the
 * role, and each kind of refusal comes back as a final `StsExchangeError` with STS's code
 * after exactly one attempt (retrying a refused token would only repeat the refusal).
 */
describe('assumeRoleWithWebIdentity against the local STS', () => {
  let env: SessionsEnv;
  let stsUrl: string;

  before(async () => {
    env = await startSessionsEnv({ sts: true });
    stsUrl = env.stsUrl!;
  });
  after(() => env?.close());

  const mint = async (overrides: { subject?: string; audience?: string; ttlSeconds?: number } = {}): Promise<string> =>
    (
      await env.broker.app.services.mintToken({
      subject: overrides.subject ?? 'user:alice:role:222222222222:ReadOnly',
      audience: overrides.audience ?? 'sts.amazonaws.com',
      ttlSeconds: overrides.ttlSeconds ?? 300,
        actor: 'test',
      })
    ).token;

  test('a token the trust policy accepts becomes credentials of the role', async () => {
    let calls = 0;
    const result = await assumeRoleWithWebIdentity({
      region: 'eu-west-1',
      endpoint: stsUrl,
      roleArn: RO,
      roleSessionName: 'alice.test',
      durationSeconds: 900,
      getToken: async () => {
        calls += 1;
        return mint();
      },
    });
    assert.equal(calls, 1);
    assert.equal(result.assumedRoleArn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice.test');
    assert.equal(result.accountId, '222222222222');
    assert.equal(result.subjectFromWebIdentityToken, 'user:alice:role:222222222222:ReadOnly');
    assert.match(result.credentials.accessKeyId, /^ASIA/);
    const lifetime = result.credentials.expiration - Date.now();
    assert.ok(lifetime > 800_000 && lifetime <= 900_000, `credentials for ${lifetime} ms`);
  });

  const refusals: Array<[string, () => Promise<string>, Partial<{ roleArn: string; roleSessionName: string; durationSeconds: number }>, string]> = [
    ['a tampered signature', async () => tamperEnd(await mint(), 6), {}, 'InvalidIdentityToken'],
    ['a foreign audience', () => mint({ audience: 'someone-else' }), {}, 'InvalidIdentityToken'],
    ['a subject the trust policy does not match', () => mint({ subject: 'robot:x' }), {}, 'AccessDenied'],
    // The default token names ReadOnly; DataScientist's generated trust policy refuses it.
    ['a token minted for another role', () => mint(), {}, 'AccessDenied'],
    ['a session name outside STS rules', () => mint(), { roleSessionName: 'has space' }, 'ValidationError'],
    ['a duration beyond the role maximum', () => mint(), { durationSeconds: 50_000 }, 'ValidationError'],
  ];
  for (const [name, token, overrides, code] of refusals) {
    test(`${name}: ${code}, final after one attempt`, async () => {
      let calls = 0;
      await assert.rejects(
        assumeRoleWithWebIdentity({
          region: 'us-east-1',
          endpoint: stsUrl,
          roleArn: overrides.roleArn ?? DS,
          roleSessionName: overrides.roleSessionName ?? 'alice',
          durationSeconds: overrides.durationSeconds,
          getToken: async () => {
            calls += 1;
            return token();
          },
          retry: { sleep: async () => {} },
        }),
        (error: unknown) => {
          assert.ok(error instanceof StsExchangeError, String(error));
          assert.equal(error.stsCode, code, error.message);
          assert.equal(error.retryable, false);
          assert.equal(error.code, 'ERR_STS_REJECTED');
          assert.equal(error.attempts, 1);
          return true;
        },
      );
      assert.equal(calls, 1);
    });
  }
});
