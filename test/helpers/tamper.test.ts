import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { tamperEnd } from './tamper.ts';

describe('tamperEnd', () => {
  test('always changes the decoded bytes, whatever the value ends with', () => {
    for (let round = 0; round < 2000; round += 1) {
      const bytes = randomBytes(1 + (round % 40));
      for (const encoding of ['base64url', 'base64'] as const) {
        const text = bytes.toString(encoding).replace(/=+$/, '');
        const forged = tamperEnd(text);
        assert.notEqual(forged, text);
        assert.equal(forged.length, text.length);
        assert.notDeepEqual(Buffer.from(forged, encoding), bytes, `${encoding} ${text}`);
      }
    }
  });

  test('keeps the head and refuses what it cannot change', () => {
    assert.equal(tamperEnd('abcdAAAA', 4), 'abcdgggg');
    assert.throws(() => tamperEnd('abc', 4), RangeError);
    assert.throws(() => tamperEnd('ab.', 1), /not a base64 character/);
  });
});
