import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorCodes } from '../../src/core/index.ts';
import { renderErrorReference } from '../../scripts/error-reference.ts';

test('docs/errors.md is current with the catalogue (regenerate with npm run docs:errors)', () => {
  assert.equal(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'), renderErrorReference());
});

test('the catalogue: every code documented, API numbers unique, one expose rule', () => {
  const numbers = Object.values(errorCodes).map((info) => info.apiCode);
  assert.equal(new Set(numbers).size, numbers.length, 'no /__api__/ number is used twice');
  for (const [code, info] of Object.entries(errorCodes)) {
    assert.match(code, /^ERR_[A-Z0-9_]+$/);
    assert.ok(info.description.length > 10, code);
    assert.ok(Number.isInteger(info.status) && info.status >= 400 && info.status < 600, code);
    assert.ok(!('expose' in info), `${code}: no per-code expose override; the status decides`);
  }
});
