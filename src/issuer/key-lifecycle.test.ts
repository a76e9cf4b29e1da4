import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SigningKeyRow } from '../store/index.ts';
import { planLifecycle, type LifecyclePolicy, type LifecycleStep } from './key-lifecycle.ts';

const HOUR = 3_600_000;
const policy: LifecyclePolicy = { rotationIntervalMs: 24 * HOUR, prePublicationMs: 5 * 60_000, retentionMs: 12 * HOUR + 5 * 60_000 };
const T0 = Date.parse('2026-01-01T00:00:00Z');

function key(kid: string, fields: Partial<SigningKeyRow>): SigningKeyRow {
  return {
    kid,
    alg: 'RS256',
    state: 'active',
    public_jwk: '{}',
    private_key_sealed: 'sealed',
    created_at: T0,
    activate_after: T0,
    activated_at: T0,
    retired_at: null,
    last_token_expires_at: 0,
    ...fields,
  };
}

interface Case {
  name: string;
  keys: SigningKeyRow[];
  now: number;
  policy?: LifecyclePolicy;
  expected: LifecycleStep[];
}

const cases: Case[] = [
  { name: 'first start: no key at all creates one that signs at once', keys: [], now: T0, expected: [{ kind: 'create-active' }] },
  { name: 'an active key younger than the interval: nothing to do', keys: [key('a', {})], now: T0 + 24 * HOUR - 1, expected: [] },
  {
    name: 'the active key reached the interval: a next key is created, signing only after pre-publication',
    keys: [key('a', {})],
    now: T0 + 24 * HOUR,
    expected: [{ kind: 'create-next', activateAfter: T0 + 24 * HOUR + policy.prePublicationMs }],
  },
  {
    name: 'scheduled rotation disabled (interval 0): the active key stays',
    keys: [key('a', {})],
    now: T0 + 1000 * HOUR,
    policy: { ...policy, rotationIntervalMs: 0 },
    expected: [],
  },
  {
    name: 'a next key still inside its pre-publication window waits, and no second next key is created',
    keys: [key('a', {}), key('b', { state: 'next', created_at: T0 + 24 * HOUR, activate_after: T0 + 24 * HOUR + 300_000, activated_at: null })],
    now: T0 + 24 * HOUR + 299_999,
    expected: [],
  },
  {
    name: 'a next key whose window has passed becomes active and the old one retires',
    keys: [key('a', {}), key('b', { state: 'next', activate_after: T0 + 24 * HOUR + 300_000, activated_at: null })],
    now: T0 + 24 * HOUR + 300_000,
    expected: [{ kind: 'activate', kid: 'b', retireKid: 'a' }],
  },
  {
    name: 'no active key but a pending next key (lost active): the next key activates early rather than a third key',
    keys: [key('b', { state: 'next', activate_after: T0 + HOUR, activated_at: null })],
    now: T0,
    expected: [{ kind: 'activate', kid: 'b', retireKid: undefined }],
  },
  {
    name: 'a retired key stays while its retention lasts',
    keys: [key('b', { activated_at: T0 + HOUR }), key('a', { state: 'retired', retired_at: T0 + HOUR, last_token_expires_at: T0 + HOUR + policy.retentionMs })],
    now: T0 + HOUR + policy.retentionMs - 1,
    expected: [],
  },
  {
    name: 'a retired key leaves once retention and its last token have both passed',
    keys: [key('b', { activated_at: T0 + HOUR }), key('a', { state: 'retired', retired_at: T0 + HOUR, last_token_expires_at: T0 + HOUR + policy.retentionMs })],
    now: T0 + HOUR + policy.retentionMs,
    expected: [{ kind: 'remove', kid: 'a' }],
  },
  {
    name: 'a retired key whose last token outlives the retention window stays until that token expires',
    keys: [key('b', { activated_at: T0 + HOUR }), key('a', { state: 'retired', retired_at: T0 + HOUR, last_token_expires_at: T0 + 100 * HOUR })],
    now: T0 + 99 * HOUR,
    policy: { ...policy, rotationIntervalMs: 0 },
    expected: [],
  },
  {
    name: 'two active keys (never by design): the older one is retired in favour of the newest',
    keys: [key('old', { activated_at: T0 }), key('new', { activated_at: T0 + HOUR })],
    now: T0 + 2 * HOUR,
    expected: [{ kind: 'activate', kid: 'new', retireKid: 'old' }],
  },
];

for (const c of cases) {
  test(`planLifecycle: ${c.name}`, () => {
    assert.deepEqual(planLifecycle(c.keys, c.now, c.policy ?? policy), c.expected);
  });
}

test('planLifecycle: walking time forward never lets a key sign before it was published for the pre-publication window', () => {
  // Simulate the broker's refresh loop over 10 days in 1-minute steps, applying each plan.
  let keys: SigningKeyRow[] = [];
  let counter = 0;
  for (let now = T0; now < T0 + 240 * HOUR; now += 60_000) {
    for (const step of planLifecycle(keys, now, policy)) {
      switch (step.kind) {
        case 'create-active':
          keys.push(key(`k${counter++}`, { created_at: now, activate_after: now, activated_at: now }));
          break;
        case 'create-next':
          keys.push(key(`k${counter++}`, { state: 'next', created_at: now, activate_after: step.activateAfter, activated_at: null }));
          break;
        case 'activate':
          keys = keys.map((k) =>
            k.kid === step.retireKid ? { ...k, state: 'retired', retired_at: now, last_token_expires_at: now + policy.retentionMs } : k.kid === step.kid ? { ...k, state: 'active', activated_at: now } : k,
          );
          break;
        case 'remove':
          keys = keys.filter((k) => k.kid !== step.kid);
          break;
      }
    }
    assert.equal(keys.filter((k) => k.state === 'active').length, 1, `exactly one active key at ${new Date(now).toISOString()}`);
    assert.ok(keys.filter((k) => k.state === 'next').length <= 1);
    for (const k of keys) {
      if (k.kid !== 'k0' && k.activated_at !== null) assert.ok(k.activated_at - k.created_at >= policy.prePublicationMs, `${k.kid} signed too early`);
      if (k.state === 'retired') assert.ok(now < k.retired_at! + policy.retentionMs + 60_000);
    }
  }
  assert.ok(counter >= 10, `rotated ${counter} times in 10 days at a 24 h interval`);
});
