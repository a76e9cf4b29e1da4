/**
 * What text Roleport accepts from anyone — one definition for every boundary: the HTTP
 * routes' schemas (http/schemas/text.ts), the local STS's parameters, the CLI's flags and
 * the domain checks behind them — so that a value is accepted or refused alike everywhere,
 * on SQLite and on PostgreSQL.
 *
 * - **Single-line text** (names, titles, audiences, ARNs, URLs, tokens, form fields): no
 *   control characters at all (U+0000–U+001F, U+007F–U+009F: NUL, which PostgreSQL cannot
 *   store, line breaks and tabs, ESC that drives terminals), no lone surrogates (not
 *   Unicode, no UTF-8 encoding), no bidirectional controls (U+061C, U+200E, U+200F,
 *   U+202A–U+202E, U+2066–U+2069: they reorder what a reader sees) and no line or paragraph
 *   separators (U+2028, U+2029).
 * - **Multi-line text** (an integration's description; the STS's `Policy` documents): the
 *   same, except that TAB, LF and CR may appear — a browser's textarea sends CR LF.
 *
 * Every field also has a length limit, set where the field is defined.
 */

import { invalidInput } from './errors.ts';

/** The characters no text field may hold, as a regular-expression class body (`u` flag). */
const ALWAYS_REFUSED = '\\p{Cs}\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029';
const LINE_REFUSED = `\\u0000-\\u001F\\u007F-\\u009F${ALWAYS_REFUSED}`;
const MULTILINE_REFUSED = `\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F${ALWAYS_REFUSED}`;

/** A JSON-schema `pattern` (ECMAScript with the `u` flag, as Ajv compiles it) matching safe single-line text. */
export const SAFE_TEXT_PATTERN = `^[^${LINE_REFUSED}]*$`;
/** A JSON-schema `pattern` matching safe multi-line text (TAB, LF and CR allowed). */
export const SAFE_MULTILINE_TEXT_PATTERN = `^[^${MULTILINE_REFUSED}]*$`;

/** Whether a field is one line (every field but a few) or may span lines. */
export type TextKind = 'line' | 'multiline';

const UNSAFE: Record<TextKind, RegExp> = {
  line: new RegExp(`[${LINE_REFUSED}]`, 'u'),
  multiline: new RegExp(`[${MULTILINE_REFUSED}]`, 'u'),
};

/** Names for the characters people meet, so a message says what was found. */
const NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x09: 'TAB',
  0x0a: 'LF (line break)',
  0x0d: 'CR (line break)',
  0x1b: 'ESC',
  0x7f: 'DEL',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
};

/** The first character `value` may not hold, described (`U+0000 (NUL) at position 3`), or undefined when it is safe. */
export function findUnsafeCharacter(value: string, kind: TextKind = 'line'): string | undefined {
  const match = UNSAFE[kind].exec(value);
  if (match === null) return undefined;
  const code = match[0].codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code] ?? (code >= 0xd800 && code <= 0xdfff ? 'a lone surrogate' : code >= 0x200e ? 'a bidirectional control' : 'a control character');
  return `${hex} (${name}) at position ${match.index + 1}`;
}

export function isSafeText(value: string, kind: TextKind = 'line'): boolean {
  return !UNSAFE[kind].test(value);
}

export interface TextRule {
  /** Most characters (code points) the field holds. */
  maxLength: number;
  minLength?: number | undefined;
  kind?: TextKind | undefined;
}

/**
 * Why `value` is not acceptable for the field `name` (a sentence naming the field and the
 * problem), or undefined when it is. Lengths count code points, as JSON Schema does.
 */
export function textProblem(name: string, value: string, rule: TextRule): string | undefined {
  const unsafe = findUnsafeCharacter(value, rule.kind);
  if (unsafe !== undefined) {
    const allowed = rule.kind === 'multiline' ? 'control characters other than tabs and line breaks' : 'control characters or line breaks';
    return `${name} must not contain ${allowed} (found ${unsafe})`;
  }
  const length = codePointLength(value);
  if (length > rule.maxLength) return `${name} must be at most ${rule.maxLength} characters (got ${length})`;
  if (rule.minLength !== undefined && length < rule.minLength) return `${name} must be at least ${rule.minLength} character${rule.minLength === 1 ? '' : 's'}`;
  return undefined;
}

/** Code points, not UTF-16 units: what JSON Schema's maxLength counts. */
export function codePointLength(value: string): number {
  let surrogatePairs = 0;
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogatePairs++;
        index++;
      }
    }
  }
  return value.length - surrogatePairs;
}

const ESCAPE_ALL = {
  line: new RegExp(`[${LINE_REFUSED}]`, 'gu'),
  multiline: new RegExp(`[${MULTILINE_REFUSED}]`, 'gu'),
} as const;

/**
 * `value` with every character it may not hold written out as `\u{…}` text — for records
 * (the audit log) that must keep what was sent without ever storing the character itself.
 */
export function escapeUnsafeText(value: string, kind: TextKind = 'line'): string {
  if (!UNSAFE[kind].test(value)) return value;
  return value.replace(ESCAPE_ALL[kind], (character) => `\\u{${character.codePointAt(0)!.toString(16)}}`);
}

/**
 * Throws `ERR_INPUT_INVALID` (HTTP 400, CLI exit 2) naming the field and the problem when
 * `value` is not acceptable; for the domain's own checks behind the boundaries' schemas
 * (the CLI's admin commands reach the domain without HTTP).
 */
export function assertSafeText(name: string, value: string, rule: TextRule): string {
  const problem = textProblem(name, value, rule);
  if (problem !== undefined) throw invalidInput(problem);
  return value;
}
