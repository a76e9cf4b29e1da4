import { textProblem, type TextRule } from '../core/index.ts';
import { UsageError } from './output.ts';

/**
 * Commander argument parsers for text flags and arguments: the value must be safe text
 * (core/text.ts, the rule every HTTP route applies) within the field's length, or the
 * command stops before doing anything with `roleport: <what is wrong>` and exit code 2.
 * The message describes the bad character; it never echoes the value, which may hold
 * terminal escapes.
 *
 * @example
 * .requiredOption('--name <name>', 'what the key is for', safeText('--name', { maxLength: 64 }))
 */
export function safeText(name: string, rule: TextRule): (value: string) => string {
  return (value) => {
    const problem = textProblem(name, value, rule);
    if (problem !== undefined) throw new UsageError(problem);
    return value;
  };
}

/** The same for a repeatable flag: each value is checked, all are kept in order. */
export function collectSafeText(name: string, rule: TextRule): (value: string, previous?: string[]) => string[] {
  const check = safeText(name, rule);
  return (value, previous = []) => [...previous, check(value)];
}
