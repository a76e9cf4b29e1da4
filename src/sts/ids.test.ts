import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId, newSecretAccessKey, newSessionToken, newTemporaryAccessKeyId, roleIdFor } from './ids.ts';

test('identifiers have AWS\'s shapes; a role\'s ID is stable', () => {
  assert.match(newTemporaryAccessKeyId(Date.now()), /^ASIA[A-Z2-7]{16}$/);
  assert.equal(newSecretAccessKey().length, 40);
  assert.ok(newSessionToken().length > 100);
  assert.match(newRequestId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(roleIdFor('arn:aws:iam::1:role/x'), /^AROA[A-Z2-7]{17}$/);
  assert.equal(roleIdFor('arn:aws:iam::1:role/x'), roleIdFor('arn:aws:iam::1:role/x'));
  assert.notEqual(roleIdFor('arn:aws:iam::1:role/x'), roleIdFor('arn:aws:iam::1:role/y'));
});

test('temporary access key IDs sort by issue time, and differ within one millisecond', () => {
  const times = [0, 1, 31, 32, 1_700_000_000_000, Date.parse('2026-11-22T23:00:00Z'), Date.parse('2026-11-22T23:00:00.001Z'), Date.parse('2999-12-31T00:00:00Z')];
  const ids = times.map((time) => newTemporaryAccessKeyId(time));
  for (const id of ids) assert.match(id, /^ASIA[A-Z2-7]{16}$/);
  assert.deepEqual([...ids].sort(), ids, 'the text order is the time order');
  const sameMillisecond = new Set(Array.from({ length: 1000 }, () => newTemporaryAccessKeyId(1_700_000_000_000)));
  assert.equal(sameMillisecond.size, 1000);
  assert.equal(new Set([...sameMillisecond].map((id) => id.slice(0, 13))).size, 1, 'one time prefix');
});
