import { RoleportError, isRoleportError, textProblem } from '../core/index.ts';

/** Bad usage: exits 2 with one line naming what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Output {
  json: boolean;
}

/** Prints data: JSON with `--json`, else the text form. */
export function print(output: Output, data: unknown, text: () => string): void {
  process.stdout.write(output.json ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
}

/** Exit code of a failure: 2 for bad usage or input, 1 for everything else. */
export function exitCodeFor(error: unknown): 1 | 2 {
  if (error instanceof UsageError) return 2;
  if (isRoleportError(error)) return error.code === 'ERR_CONFIG_INVALID' || (error.status >= 400 && error.status < 500) ? 2 : 1;
  return 1;
}

export function messageFor(error: unknown): string {
  if (error instanceof UsageError || isRoleportError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function parseClaimArguments(values: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const value of values) {
    const index = value.indexOf('=');
    if (index <= 0) throw new UsageError(`--claim ${value}: expected key=value`);
    const key = value.slice(0, index);
    const keyProblem = textProblem('a --claim name', key, { maxLength: 256 });
    if (keyProblem !== undefined) throw new UsageError(keyProblem);
    const raw = value.slice(index + 1);
    // JSON values (arrays, objects, numbers, booleans) are taken as such; anything else is a string.
    let parsed: unknown = raw;
    if (/^[[{]|^(true|false|null|-?\d+(\.\d+)?)$/.test(raw)) {
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new UsageError(`--claim ${key}: value looks like JSON but does not parse`);
      }
    }
    claims[key] = parsed;
  }
  return claims;
}

export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Characters a name must not bring to a terminal: C0 and C1 controls and DEL (CR/LF forge
 * lines, ESC starts escape sequences that recolour, move the cursor or set the window title),
 * bidirectional controls (they reorder what is shown: U+202E makes `exe.gpj` read `jpg.exe`), line and paragraph
 * separators, and zero-width characters that hide in plain sight.
 * @see https://www.unicode.org/reports/tr9/#Explicit_Directional_Formatting_Characters
 */
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** A value as a table cell may show it: every unsafe character as a visible escape (`\x1b`, `\u202e`). */
export function escapeForTerminal(value: string): string {
  return value.replace(UNSAFE_FOR_TERMINAL, (character) => {
    const code = character.charCodeAt(0);
    if (character === '\n') return '\\n';
    if (character === '\r') return '\\r';
    if (character === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Columns padded to their widest cell; every cell escaped (names come from publishers, IdPs and API callers). */
export function table(headers: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const rows = rawRows.map((row) => row.map(escapeForTerminal));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export { RoleportError };
