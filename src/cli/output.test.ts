import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeForTerminal, table } from './output.ts';

describe('hostile names in the CLI\'s tables', () => {
  for (const [name, input, shown] of [
    ['CR/LF forging a row', 'ok\r\nadmin-key  admin', 'ok\\r\\nadmin-key  admin'],
    ['ESC recolouring and retitling the terminal', '\u001b[31mred\u001b]0;pwned\u0007', '\\x1b[31mred\\x1b]0;pwned\\x07'],
    ['bidi override', 'report\u202egpj.exe', 'report\\u202egpj.exe'],
    ['bidi isolates and marks', '\u2066a\u2069\u200e\u200f\u061c', '\\u2066a\\u2069\\u200e\\u200f\\u061c'],
    ['C1 control (CSI)', 'x\u009b31m', 'x\\x9b31m'],
    ['DEL and NUL', 'a\u007fb\u0000', 'a\\x7fb\\x00'],
    ['zero-width and separators', 'ad\u200bmin\u2028\ufeff', 'ad\\u200bmin\\u2028\\ufeff'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['ordinary Unicode stays', 'Zoë ☃ データ', 'Zoë ☃ データ'],
  ] as const) {
    test(name, () => assert.equal(escapeForTerminal(input), shown));
  }

  test('a table escapes every cell and keeps one line per row, aligned on what is shown', () => {
    const out = table(['ID', 'NAME'], [['k1', 'evil\nk2  forged'], ['k3', '\u001b[2J']]);
    assert.deepEqual(out.split('\n'), ['ID  NAME', 'k1  evil\\nk2  forged', 'k3  \\x1b[2J']);
    assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});
