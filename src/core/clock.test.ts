import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isoSeconds } from './clock.ts';

describe('isoSeconds', () => {
  test('writes whole seconds, dropping milliseconds rather than rounding them', () => {
    assert.equal(isoSeconds(Date.UTC(2026, 0, 2, 3, 4, 5, 999)), '2026-01-02T03:04:05Z');
    assert.equal(isoSeconds(Date.UTC(2026, 0, 2, 3, 4, 5, 0)), '2026-01-02T03:04:05Z');
    assert.equal(isoSeconds(-1), '1969-12-31T23:59:59Z');
  });

  test('answers each second correctly however often seconds alternate (the recent seconds it keeps)', () => {
    const start = Date.UTC(2026, 5, 1, 12, 0, 0);
    for (let round = 0; round < 3; round++) {
      for (let offset = 0; offset < 40; offset++) {
        const ms = start + offset * 1000 + 123;
        assert.equal(isoSeconds(ms), new Date(ms - 123).toISOString().replace('.000Z', 'Z'));
      }
    }
  });
});
