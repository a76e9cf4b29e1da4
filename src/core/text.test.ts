import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAFE_MULTILINE_TEXT_PATTERN, SAFE_TEXT_PATTERN, assertSafeText, codePointLength, escapeUnsafeText, findUnsafeCharacter, textProblem } from './text.ts';

// What each kind of field takes, and the JSON-schema patterns (compiled as Ajv does, with the u flag) agree with the checks.
const cases: Array<[string, string, { line: boolean; multiline: boolean }]> = [
  ['plain ASCII', 'reports-s3 (prod)', { line: true, multiline: true }],
  ['accents, CJK, emoji (a surrogate pair), a ZWJ sequence', 'Zoë 数据 😀 👩‍💻', { line: true, multiline: true }],
  ['NUL', 'x\u0000y', { line: false, multiline: false }],
  ['ESC', 'x\u001b[31m', { line: false, multiline: false }],
  ['DEL', 'x\u007f', { line: false, multiline: false }],
  ['a C1 control (CSI)', 'x\u009b', { line: false, multiline: false }],
  ['NEL', 'x\u0085', { line: false, multiline: false }],
  ['a lone high surrogate', 'x\ud800', { line: false, multiline: false }],
  ['a lone low surrogate', '\udc00x', { line: false, multiline: false }],
  ['RIGHT-TO-LEFT OVERRIDE', 'x\u202ey', { line: false, multiline: false }],
  ['RIGHT-TO-LEFT ISOLATE', 'x\u2067y', { line: false, multiline: false }],
  ['ARABIC LETTER MARK', 'x\u061cy', { line: false, multiline: false }],
  ['LINE SEPARATOR', 'x\u2028y', { line: false, multiline: false }],
  ['LF', 'a\nb', { line: false, multiline: true }],
  ['CR LF', 'a\r\nb', { line: false, multiline: true }],
  ['TAB', 'a\tb', { line: false, multiline: true }],
  ['vertical tab', 'a\u000bb', { line: false, multiline: false }],
  ['form feed', 'a\u000cb', { line: false, multiline: false }],
];

for (const [name, value, expected] of cases) {
  test(`safe text: ${name} — one line ${expected.line ? 'takes' : 'refuses'} it, multi-line ${expected.multiline ? 'takes' : 'refuses'} it`, () => {
    assert.equal(findUnsafeCharacter(value, 'line') === undefined, expected.line);
    assert.equal(findUnsafeCharacter(value, 'multiline') === undefined, expected.multiline);
    assert.equal(new RegExp(SAFE_TEXT_PATTERN, 'u').test(value), expected.line, 'the schema pattern agrees');
    assert.equal(new RegExp(SAFE_MULTILINE_TEXT_PATTERN, 'u').test(value), expected.multiline, 'the multi-line schema pattern agrees');
    assert.equal(findUnsafeCharacter(escapeUnsafeText(value), 'line'), undefined, 'escaped, it is safe one-line text');
  });
}

test('the problem names the field and the character, never the value', () => {
  assert.equal(textProblem('name', 'ab\u0000', { maxLength: 10 }), 'name must not contain control characters or line breaks (found U+0000 (NUL) at position 3)');
  assert.equal(textProblem('description', 'a\u001b', { maxLength: 10, kind: 'multiline' }), 'description must not contain control characters other than tabs and line breaks (found U+001B (ESC) at position 2)');
  assert.equal(textProblem('title', 'x'.repeat(11), { maxLength: 10 }), 'title must be at most 10 characters (got 11)');
  assert.equal(textProblem('title', '', { maxLength: 10, minLength: 1 }), 'title must be at least 1 character');
  assert.equal(textProblem('title', 'ok', { maxLength: 10 }), undefined);
});

test('lengths count characters (code points), as JSON Schema does', () => {
  assert.equal(codePointLength('😀😀'), 2);
  assert.equal(textProblem('name', '😀'.repeat(10), { maxLength: 10 }), undefined);
  assert.match(textProblem('name', '😀'.repeat(11), { maxLength: 10 }) ?? '', /got 11/);
});

test('escaping writes the refused characters out and leaves everything else alone', () => {
  assert.equal(escapeUnsafeText('a\u0000b\u202ec'), 'a\\u{0}b\\u{202e}c');
  assert.equal(escapeUnsafeText('a\nb', 'multiline'), 'a\nb');
  assert.equal(escapeUnsafeText('Zoë 😀'), 'Zoë 😀');
});

test('assertSafeText throws ERR_INPUT_INVALID (HTTP 400, CLI exit 2)', () => {
  assert.throws(() => assertSafeText('audience', 'x\u0000', { maxLength: 255 }), { code: 'ERR_INPUT_INVALID', status: 400 });
  assert.equal(assertSafeText('audience', 'sts.amazonaws.com', { maxLength: 255 }), 'sts.amazonaws.com');
});
