import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CACHE_MARGIN_MS, createCredentialsCache } from './credentials-cache.ts';
import { roleSessionName } from './credentials-exchange.ts';

const credentials = (expiration: number) => ({ accessKeyId: `ASIA${expiration}`, secretAccessKey: 's', sessionToken: 't', expiration });

test('credentials are served until 15 minutes before they expire, then dropped', () => {
  const cache = createCredentialsCache();
  const now = 1_000_000_000;
  const expiration = now + 3600_000;
  cache.set('a', credentials(expiration), now);
  assert.equal(cache.get('a', expiration - CACHE_MARGIN_MS - 1)?.expiration, expiration);
  assert.equal(cache.get('a', expiration - CACHE_MARGIN_MS), undefined);
  assert.equal(cache.size, 0);
});

test('credentials that live 15 minutes or less are not kept at all', () => {
  const cache = createCredentialsCache();
  cache.set('short', credentials(900_000), 0);
  assert.equal(cache.size, 0);
});

test('invalidate drops an integration\'s entries; the cache is bounded', () => {
  const cache = createCredentialsCache(CACHE_MARGIN_MS, 3);
  const far = 10 * 3600_000;
  cache.set('g1|1|content:a', credentials(far), 0);
  cache.set('g1|1|content:b', credentials(far), 0);
  cache.set('g2|1|content:a', credentials(far), 0);
  cache.invalidate('g1|');
  assert.equal(cache.size, 1);
  for (const key of ['x', 'y', 'z']) cache.set(key, credentials(far), 0);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('g2|1|content:a', 0), undefined, 'the oldest entry made room');
});

test('role session names follow STS\'s rules', () => {
  assert.equal(roleSessionName({ kind: 'user_session', contentGuid: 'c', userName: 'alice@example.com' }), 'alice@example.com');
  assert.equal(roleSessionName({ kind: 'user_session', contentGuid: 'c', userName: 'J. Doe/ops' }), 'J.-Doe-ops');
  assert.equal(roleSessionName({ kind: 'user_session', contentGuid: 'c', userName: 'x' }), 'x-');
  assert.equal(roleSessionName({ kind: 'content_session', contentGuid: '0f9d1c7e-0000-4000-8000-000000000000', userName: undefined }), 'content-0f9d1c7e-0000-4000-8000-000000000000');
  assert.equal(roleSessionName({ kind: 'user_session', contentGuid: 'c', userName: 'a'.repeat(100) }).length, 64);
});
