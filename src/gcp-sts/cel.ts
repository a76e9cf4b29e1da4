/**
 * Attribute mappings and attribute conditions are CEL. Evaluated with
 * `@marcbachmann/cel-js` (zero dependencies, maintained, most of the CEL spec including
 * macros and string functions), plus the one function Google adds for workload identity:
 * `string.extract(template)`.
 * @see https://github.com/google/cel-spec/blob/master/doc/langdef.md
 * @see https://cloud.google.com/iam/docs/workload-identity-federation#mapping
 */
import { Environment } from '@marcbachmann/cel-js';

export interface CelEvaluator {
  /** Evaluates an expression; throws with CEL's message when it does not parse, type-check or evaluate. */
  evaluate(expression: string, variables: Readonly<Record<string, unknown>>): unknown;
}

/**
 * `'repo:{name}:ref'.extract`-style extraction: the text between the template's literal
 * prefix (its first occurrence) and its literal suffix (the first occurrence after that;
 * the end when the suffix is empty); empty when the prefix or suffix is not found.
 */
export function extractTemplate(value: string, template: string): string {
  const open = template.indexOf('{');
  const close = template.indexOf('}', open);
  if (open < 0 || close < 0) throw new Error(`extract: template ${JSON.stringify(template)} has no {placeholder}`);
  const prefix = template.slice(0, open);
  const suffix = template.slice(close + 1);
  const start = prefix === '' ? 0 : value.indexOf(prefix);
  if (start < 0) return '';
  const from = start + prefix.length;
  if (suffix === '') return value.slice(from);
  const end = value.indexOf(suffix, from);
  return end < 0 ? '' : value.slice(from, end);
}

/** JSON numbers become CEL ints when whole (as Google reads `exp`, `iat`), doubles otherwise. */
function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toCelValue(item)]));
  return value;
}

/**
 * The library predeclares `google` (for `google.protobuf.*` type names), so Google's
 * `google.subject`-style references are renamed before parsing. Only the identifier is
 * renamed: text inside string literals and member names (`x.google`) stay as written.
 */
const GOOGLE_VARIABLE = '__google_attributes__';

export function renameGoogleVariable(expression: string): string {
  let out = '';
  let index = 0;
  while (index < expression.length) {
    const char = expression[index] as string;
    if (char === '"' || char === "'") {
      const triple = expression.startsWith(char.repeat(3), index);
      const quote = triple ? char.repeat(3) : char;
      const raw = /[rR]$/.test(out);
      let end = index + quote.length;
      while (end < expression.length && !expression.startsWith(quote, end)) end += !raw && expression[end] === '\\' ? 2 : 1;
      end = Math.min(expression.length, end + quote.length);
      out += expression.slice(index, end);
      index = end;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(index));
    if (word !== null) {
      const before = out.trimEnd();
      out += word[0] === 'google' && !before.endsWith('.') ? GOOGLE_VARIABLE : word[0];
      index += word[0].length;
      continue;
    }
    out += char;
    index++;
  }
  return out;
}

export function createCelEvaluator(): CelEvaluator {
  const environment = new Environment({ homogeneousAggregateLiterals: false, limits: { maxAstNodes: 2000, maxDepth: 50, maxListElements: 200, maxMapEntries: 200, maxCallArguments: 16 } })
    .registerVariable('assertion', 'map')
    .registerVariable(GOOGLE_VARIABLE, 'map')
    .registerVariable('attribute', 'map')
    .registerFunction({ name: 'extract', receiverType: 'string', returnType: 'string', handler: (value: string, template: string) => extractTemplate(value, template), params: [{ name: 'template', type: 'string' }] });
  const parsed = new Map<string, ReturnType<Environment['parse']>>();
  return {
    evaluate(expression, variables) {
      let program = parsed.get(expression);
      if (program === undefined) {
        program = environment.parse(renameGoogleVariable(expression));
        if (parsed.size > 500) parsed.clear();
        parsed.set(expression, program);
      }
      const context = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key === 'google' ? GOOGLE_VARIABLE : key, toCelValue(value)]));
      return program(context);
    },
  };
}
