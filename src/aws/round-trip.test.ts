import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ManualClock, type EventSink } from '../core/index.ts';
import { createMinter, generateSigningKey } from '../issuer/index.ts';
import { createAwsSetup } from './index.ts';

/**
 * The generators' promise: the trust policy `roleport aws trust-policy` writes accepts the
 * tokens Roleport mints for the intended subjects and refuses every other token of the
 * same issuer — checked with Roleport's real minter and the IAM policy engine.
 */

const ISSUER = 'https://roleport.example.com';
const ACCOUNT = '111122223333';
const events: EventSink = { record: () => {}, commit: async () => {} };

const BOUND = 'user:{username}:role:{account_id}:{role_name}';

async function setup(subjectTemplate = BOUND) {
  const clock = new ManualClock(Date.parse('2030-06-01T00:00:00Z'));
  const key = await generateSigningKey({ alg: 'RS256' });
  const mint = createMinter({ issuer: ISSUER, clock, events, signingKey: () => key, defaultTtlSeconds: 3600, maxTtlSeconds: 43200 });
  const aws = createAwsSetup({ issuer: ISSUER, subjectTemplate, defaultAudience: 'sts.amazonaws.com', clock });
  const jwks = createLocalJWKSet({ keys: [key.publicJwk] });
  return { clock, mint, aws, jwks };
}

test('the default trust policy accepts every subject of the template and refuses other audiences and issuers', async () => {
  const { clock, mint, aws, jwks } = await setup();
  const { policy } = aws.trustPolicy({ roleName: 'ExecutionRole', account: ACCOUNT });
  const cases: { subject: string; audience: string; allowed: boolean }[] = [
    { subject: `user:alice:role:${ACCOUNT}:ExecutionRole`, audience: 'sts.amazonaws.com', allowed: true },
    { subject: `user:bob:role:${ACCOUNT}:ExecutionRole`, audience: 'sts.amazonaws.com', allowed: true },
    { subject: 'content:1234', audience: 'sts.amazonaws.com', allowed: false },
    { subject: `user:alice:role:${ACCOUNT}:ExecutionRole`, audience: 'roleport-content', allowed: false },
  ];
  for (const c of cases) {
    const { token } = await mint({ subject: c.subject, audience: c.audience, actor: 'test' });
    await jwtVerify(token, jwks, { issuer: ISSUER, currentDate: new Date(clock.now()) }); // a real, correctly signed token
    const result = aws.explain({ policy, token, clientIds: ['sts.amazonaws.com', 'roleport-content'] });
    assert.equal(result.decision, c.allowed ? 'allow' : 'deny', `${c.subject} for ${c.audience}`);
    assert.equal(result.sts.outcome, c.allowed ? 'success' : 'error');
  }
});

test('the default trust policy pins the role: tokens minted for any other role are refused on :sub', async () => {
  const { mint, aws } = await setup();
  const { policy } = aws.trustPolicy({ roleName: 'DataScientist', account: ACCOUNT });
  const cases: Array<[string, boolean]> = [
    [`user:alice:role:${ACCOUNT}:DataScientist`, true],
    // The roles of bob's session, and the same name in another account.
    [`user:bob:role:${ACCOUNT}:ReadOnly`, false],
    ['user:bob:role:222222222222:DataScientist', false],
    // Names that contain, extend or shorten the role name.
    [`user:bob:role:${ACCOUNT}:Scientist`, false],
    [`user:bob:role:${ACCOUNT}:DataScientist2`, false],
    [`user:bob:role:${ACCOUNT}:XDataScientist`, false],
    // A username crafted to carry the role part: the broker still appends the token's own role.
    [`user:bob:role:${ACCOUNT}:DataScientist:role:${ACCOUNT}:ReadOnly`, false],
    // The old unbound subject.
    ['user:bob', false],
  ];
  for (const [subject, allowed] of cases) {
    const result = aws.explain({ policy, token: (await mint({ subject, audience: 'sts.amazonaws.com', actor: 'test' })).token });
    assert.equal(result.decision, allowed ? 'allow' : 'deny', subject);
    if (!allowed) assert.equal(result.failingConditions[0]?.key, 'roleport.example.com:sub', subject);
  }
});

test('--sub-like narrows the policy to the intended subjects', async () => {
  const { mint, aws } = await setup('user:{username}');
  const { policy } = aws.trustPolicy({ roleName: 'ReadOnlyRole', account: ACCOUNT, subLike: ['user:alice', 'user:data-*'] });
  for (const [subject, allowed] of [
    ['user:alice', true],
    ['user:data-team', true],
    ['user:alice2', false],
    ['user:bob', false],
    ['USER:alice', false], // StringLike is case-sensitive
  ] as const) {
    const { token } = await mint({ subject, audience: 'sts.amazonaws.com', actor: 'test' });
    const result = aws.explain({ policy, token });
    assert.equal(result.decision, allowed ? 'allow' : 'deny', subject);
    if (!allowed) assert.equal(result.failingConditions[0]?.key, 'roleport.example.com:sub');
  }
});

test('session tags pass only with --session-tags; the same token expires with the clock', async () => {
  const { clock, mint, aws } = await setup('user:{username}');
  const tagClaim = { 'https://aws.amazon.com/tags': { principal_tags: { team: ['data'] }, transitive_tag_keys: [] } };
  const { token } = await mint({ subject: 'user:alice', audience: 'sts.amazonaws.com', claims: tagClaim, actor: 'test', ttlSeconds: 900 });
  const plain = aws.explain({ policy: aws.trustPolicy({ roleName: 'R', account: ACCOUNT }).policy, token });
  assert.equal(plain.sts.outcome === 'error' && plain.sts.code, 'AccessDenied');
  const tagged = aws.explain({ policy: aws.trustPolicy({ roleName: 'R', account: ACCOUNT, sessionTags: true }).policy, token });
  assert.deepEqual(tagged.sts, { outcome: 'success' });
  clock.advance((900 + 301) * 1000);
  const late = aws.explain({ policy: aws.trustPolicy({ roleName: 'R', account: ACCOUNT, sessionTags: true }).policy, token });
  assert.equal(late.decision, 'allow', 'the policy still allows; STS refuses the expired token');
  assert.equal(late.sts.outcome === 'error' && late.sts.code, 'ExpiredTokenException');
});

test('a repository-style subject template produces a matching default pattern', async () => {
  const { mint, aws } = await setup('repo:{repository}:ref:{ref}');
  const { policy, subLike } = aws.trustPolicy({ roleName: 'Ci', account: ACCOUNT });
  assert.deepEqual(subLike, ['repo:*:ref:*']);
  assert.equal(aws.explain({ policy, token: (await mint({ subject: 'repo:acme/app:ref:main', audience: 'sts.amazonaws.com', actor: 't' })).token }).decision, 'allow');
  assert.equal(aws.explain({ policy, token: (await mint({ subject: 'user:alice', audience: 'sts.amazonaws.com', actor: 't' })).token }).decision, 'deny');
});
