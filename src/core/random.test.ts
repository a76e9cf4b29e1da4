import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pooledRandomBytes } from './random.ts';

test('pooled random bytes: the sizes asked for, never handed out twice, across pool refills', () => {
  const seen = new Set<string>();
  for (let draw = 0; draw < 3000; draw++) {
    const size = 8 + (draw % 25);
    const bytes = pooledRandomBytes(size);
    assert.equal(bytes.length, size);
    const hex = bytes.subarray(0, 8).toString('hex');
    assert.ok(!seen.has(hex), 'a repeated draw');
    seen.add(hex);
  }
  assert.equal(pooledRandomBytes(10_000).length, 10_000, 'larger than the pool');
});

test('a handed-out buffer is the caller\'s own: changing it changes no later draw', () => {
  const first = pooledRandomBytes(16);
  first.fill(0);
  assert.notDeepEqual(pooledRandomBytes(16), Buffer.alloc(16));
});
