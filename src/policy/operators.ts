/**
 * The condition operators: how each compares one request value with the policy values, and
 * how policy values are checked and compiled once into a matcher.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
import { ArnPattern } from './arn.ts';
import { Glob, type PatternPart } from './glob.ts';
import { cidrContains, parseCidr, parseIpAddress, type CidrBlock } from './ip-address.ts';
import type { ConditionOperator, SetQualifier } from './types.ts';

type OperatorKind = 'string' | 'string-ignore-case' | 'string-like' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

export interface OperatorDefinition {
  readonly kind: OperatorKind;
  /**
   * Negated operators (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, …) are the positive
   * comparison inverted: true when the request value matches none of the policy values, and
   * true when the key is absent.
   */
  readonly negated: boolean;
  readonly comparison: Comparison;
  /** What the request value must do, for explanations: "be one of", "match none of", … */
  readonly verb: string;
}

const define = (kind: OperatorKind, verb: string, negated = false, comparison: Comparison = 'eq'): OperatorDefinition => ({
  kind,
  negated,
  comparison,
  verb,
});

export const conditionOperators: Readonly<Record<ConditionOperator, OperatorDefinition>> = {
  StringEquals: define('string', 'be one of'),
  StringNotEquals: define('string', 'be none of', true),
  StringEqualsIgnoreCase: define('string-ignore-case', 'be one of (ignoring case)'),
  StringNotEqualsIgnoreCase: define('string-ignore-case', 'be none of (ignoring case)', true),
  StringLike: define('string-like', 'match one of'),
  StringNotLike: define('string-like', 'match none of', true),
  NumericEquals: define('numeric', 'be one of'),
  NumericNotEquals: define('numeric', 'be none of', true),
  NumericLessThan: define('numeric', 'be less than one of', false, 'lt'),
  NumericLessThanEquals: define('numeric', 'be less than or equal to one of', false, 'lte'),
  NumericGreaterThan: define('numeric', 'be greater than one of', false, 'gt'),
  NumericGreaterThanEquals: define('numeric', 'be greater than or equal to one of', false, 'gte'),
  DateEquals: define('date', 'be one of'),
  DateNotEquals: define('date', 'be none of', true),
  DateLessThan: define('date', 'be before one of', false, 'lt'),
  DateLessThanEquals: define('date', 'be at or before one of', false, 'lte'),
  DateGreaterThan: define('date', 'be after one of', false, 'gt'),
  DateGreaterThanEquals: define('date', 'be at or after one of', false, 'gte'),
  Bool: define('bool', 'be one of'),
  BinaryEquals: define('binary', 'be one of'),
  IpAddress: define('ip', 'be in one of'),
  NotIpAddress: define('ip', 'be in none of', true),
  ArnEquals: define('arn', 'match one of'),
  ArnLike: define('arn', 'match one of'),
  ArnNotEquals: define('arn', 'match none of', true),
  ArnNotLike: define('arn', 'match none of', true),
  Null: define('null', 'be absent or present'),
};

/**
 * What the request value(s) must do, for explanations: `one of`, `to match none of`,
 * `every value to be one of`, …
 */
export function describeExpectation(definition: OperatorDefinition, qualifier: SetQualifier | undefined): string {
  const verb = definition.verb;
  if (qualifier === 'ForAllValues') return `every value to ${verb}`;
  if (qualifier === 'ForAnyValue') return `at least one value to ${verb}`;
  return verb.startsWith('be ') ? verb.slice(3) : `to ${verb}`;
}

export function isConditionOperator(name: string): name is ConditionOperator {
  return Object.hasOwn(conditionOperators, name);
}

/** True when the request value matches at least one policy value (before any negation). */
export type ValueMatcher = (actual: string) => boolean;

export type MatcherResult =
  | { readonly ok: true; readonly matcher: ValueMatcher }
  | { readonly ok: false; readonly index: number; readonly reason: string };

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const EPOCH_SECONDS = /^[+-]?\d+(?:\.\d+)?$/;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

export function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * Date values: ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`, with an offset or fraction;
 * no zone means UTC) or epoch seconds, as IAM accepts both. Returns epoch milliseconds.
 */
export function parseDate(text: string): number | undefined {
  if (EPOCH_SECONDS.test(text)) return Number(text) * 1000;
  const match = ISO_DATE.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as [
    number,
    number,
    number,
    number | undefined,
    number | undefined,
    number | undefined,
  ];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const milliseconds = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (match[9] !== undefined) {
    const offsetHours = Number(match[10]);
    const offsetRest = Number(match[11]);
    if (offsetHours > 23 || offsetRest > 59) return undefined;
    offsetMinutes = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, milliseconds);
  return utc.getTime() - offsetMinutes * 60_000;
}

function compare(comparison: Comparison, actual: number, expected: number): boolean {
  switch (comparison) {
    case 'eq':
      return actual === expected;
    case 'lt':
      return actual < expected;
    case 'lte':
      return actual <= expected;
    case 'gt':
      return actual > expected;
    case 'gte':
      return actual >= expected;
  }
}

function anyOf<T>(items: readonly T[], test: (item: T) => boolean): boolean {
  for (let i = 0; i < items.length; i++) {
    if (test(items[i] as T)) return true;
  }
  return false;
}

function orderedMatcher(
  values: readonly string[],
  parse: (text: string) => number | undefined,
  comparison: Comparison,
  what: string,
): MatcherResult {
  const expected: number[] = [];
  for (let index = 0; index < values.length; index++) {
    const parsed = parse(values[index] as string);
    if (parsed === undefined) return { ok: false, index, reason: `${JSON.stringify(values[index])} is not ${what}` };
    expected.push(parsed);
  }
  return {
    ok: true,
    matcher: (actual) => {
      const value = parse(actual);
      return value !== undefined && anyOf(expected, (item) => compare(comparison, value, item));
    },
  };
}

function equalityMatcher(values: readonly string[]): ValueMatcher {
  if (values.length === 1) {
    const [only] = values as [string];
    return (actual) => actual === only;
  }
  const set = new Set(values);
  return (actual) => set.has(actual);
}

/**
 * Checks the policy values of one condition and compiles them into a matcher. Values are
 * pattern parts so that `${*}` and substituted variables stay literal in `StringLike` and
 * `ArnLike`.
 */
export function buildMatcher(definition: OperatorDefinition, values: readonly (readonly PatternPart[])[]): MatcherResult {
  const texts = values.map((parts) => (parts.length === 1 ? (parts[0] as PatternPart).text : parts.map((part) => part.text).join('')));
  switch (definition.kind) {
    case 'string':
    case 'binary':
      return { ok: true, matcher: equalityMatcher(texts) };
    case 'string-ignore-case': {
      const lower = equalityMatcher(texts.map((text) => text.toLowerCase()));
      return { ok: true, matcher: (actual) => lower(actual.toLowerCase()) };
    }
    case 'string-like': {
      const globs = values.map((parts) => new Glob(parts));
      if (globs.length === 1) {
        const [only] = globs as [Glob];
        return { ok: true, matcher: (actual) => only.test(actual) };
      }
      return { ok: true, matcher: (actual) => anyOf(globs, (glob) => glob.test(actual)) };
    }
    case 'numeric':
      return orderedMatcher(texts, parseNumber, definition.comparison, 'a number');
    case 'date':
      return orderedMatcher(texts, parseDate, definition.comparison, 'a date (ISO 8601 or epoch seconds)');
    case 'bool':
    case 'null': {
      const lower = texts.map((text) => text.toLowerCase());
      const index = lower.findIndex((text) => text !== 'true' && text !== 'false');
      if (index >= 0) return { ok: false, index, reason: `${JSON.stringify(texts[index])} is not true or false` };
      const match = equalityMatcher(lower);
      return { ok: true, matcher: (actual) => match(actual.toLowerCase()) };
    }
    case 'ip': {
      const blocks: CidrBlock[] = [];
      for (let index = 0; index < texts.length; index++) {
        const block = parseCidr(texts[index] as string);
        if (block === undefined) return { ok: false, index, reason: `${JSON.stringify(texts[index])} is not an IP address or CIDR block` };
        blocks.push(block);
      }
      return {
        ok: true,
        matcher: (actual) => {
          const address = parseIpAddress(actual);
          return address !== undefined && anyOf(blocks, (block) => cidrContains(block, address));
        },
      };
    }
    case 'arn': {
      const patterns = values.map((parts) => new ArnPattern(parts));
      return { ok: true, matcher: (actual) => anyOf(patterns, (pattern) => pattern.test(actual)) };
    }
  }
}
