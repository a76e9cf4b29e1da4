import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCredentialCache, type AccessChange } from './credential-cache.ts';
import type { Session, SessionUser } from './types.ts';

/**
 * The cache's own rules, against a log driven by hand (the real log over SQLite and
 * PostgreSQL is in test/integration/sessions-replicas.test.ts): what answers from memory,
 * what a change drops, and that an entry loaded while a change arrived is not kept.
 */
function harness() {
  const listeners = new Set<(change: AccessChange) => void>();
  let failing = false;
  const changes = {
    subscribe(listener: (change: AccessChange) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    caughtUpSince: async () => {
      if (failing) throw new Error('the log is unreadable');
    },
  };
  const announce = (change: AccessChange): void => {
    for (const listener of listeners) listener(change);
  };
  return { cache: createCredentialCache({ changes, maxEntries: 2 }), announce, setFailing: (value: boolean) => (failing = value) };
}

const session = (id: string, state: Session['state'] = 'active'): Session => ({
  id,
  userName: 'alice',
  state,
  tokenSource: 'broker',
  audience: 'sts.amazonaws.com',
  tokenTtlSeconds: 900,
  region: 'us-east-1',
  roles: [],
  gcpTargets: [],
  azureTargets: [],
  createdAt: 0,
  createdBy: 'test',
  endedAt: null,
  endedBy: null,
  lastTokenAt: null,
  tokenExpiresAt: null,
});
const alice: SessionUser = { username: 'alice', email: 'alice@example.com', groups: [], roles: ['arn:aws:iam::111111111111:role/DataScientist'], admin: false };

test('a loaded session answers from memory until a change to it is announced', async () => {
  const { cache, announce } = harness();
  let loads = 0;
  const load = async () => (loads++, session('ses_1'));
  await cache.session('hash-1', 0, load);
  await cache.session('hash-1', 0, load);
  assert.equal(loads, 1);
  announce({ sessionId: 'ses_other' });
  await cache.session('hash-1', 0, load);
  assert.equal(loads, 1, 'another session changing keeps this one');
  announce({ sessionId: 'ses_1' });
  await cache.session('hash-1', 0, load);
  assert.equal(loads, 2);
});

test('only active sessions are kept, and a user is dropped when it changes', async () => {
  const { cache, announce } = harness();
  let loads = 0;
  await cache.session('hash-r', 0, async () => (loads++, session('ses_r', 'revoked')));
  await cache.session('hash-r', 0, async () => (loads++, session('ses_r', 'revoked')));
  assert.equal(loads, 2);
  let userLoads = 0;
  const loadUser = async () => (userLoads++, alice);
  await cache.user('alice', 0, loadUser);
  await cache.user('alice', 0, loadUser);
  announce({ userName: 'alice' });
  await cache.user('alice', 0, loadUser);
  assert.equal(userLoads, 2);
});

test('an entry loaded while a change arrived is not kept: its row may predate the change', async () => {
  const { cache, announce } = harness();
  let loads = 0;
  await cache.session('hash-1', 0, async () => {
    loads++;
    // The revocation commits and is announced while this load is reading the old row.
    announce({ sessionId: 'ses_1' });
    return session('ses_1');
  });
  await cache.session('hash-1', 0, async () => (loads++, session('ses_1', 'revoked')));
  assert.equal(loads, 2);
});

test('with the log unreadable every lookup loads, and nothing loaded then is kept', async () => {
  const { cache, setFailing } = harness();
  let loads = 0;
  const load = async () => (loads++, session('ses_1'));
  await cache.session('hash-1', 0, load);
  setFailing(true);
  await cache.session('hash-1', 0, load);
  await cache.session('hash-2', 0, async () => (loads++, session('ses_2')));
  setFailing(false);
  await cache.session('hash-2', 0, async () => (loads++, session('ses_2')));
  assert.equal(loads, 4);
});

test('past maxEntries the oldest session goes, and a later change to it drops nothing else', async () => {
  const { cache, announce } = harness();
  let loads = 0;
  for (const n of [1, 2, 3]) await cache.session(`hash-${n}`, 0, async () => (loads++, session(`ses_${n}`)));
  announce({ sessionId: 'ses_1' });
  await cache.session('hash-2', 0, async () => (loads++, session('ses_2')));
  await cache.session('hash-3', 0, async () => (loads++, session('ses_3')));
  assert.equal(loads, 3, 'sessions 2 and 3 still answer from memory');
  await cache.session('hash-1', 0, async () => (loads++, session('ses_1')));
  assert.equal(loads, 4, 'session 1 was evicted');
});
