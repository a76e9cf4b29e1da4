import { textProblem, type TextRule } from '../core/index.ts';
import { UsageError } from './output.ts';

/**
 * Parsers for command-line flag values, shared by every command. Each one names the flag
 * and what was expected, so that a bad value exits 2 with a message the user can act on.
 */

/** Commander's accumulator for a repeatable option (`--role A --role B`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A whole number of seconds ≥ `min`, or undefined when the flag is absent. */
export function parseSecondsFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < min) throw new UsageError(`${name} ${value}: expected a whole number of seconds ≥ ${min}`);
  return seconds;
}

/** A positive whole number of seconds (a lifetime such as `--ttl`), or undefined. */
export function parsePositiveSeconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new UsageError(`${name} ${value}: expected a positive whole number of seconds`);
  return seconds;
}

/** Digits only (no sign, no exponent): a duration handed on to AWS as it is, or undefined. */
export function parseWholeSeconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} ${value}: expected a whole number of seconds`);
  return Number(value);
}

/** A TCP port, 0 (pick a free one) to 65535. */
export function parsePort(value: string | undefined, name = '--port'): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${name} ${value}: expected a port number 0-65535`);
  return port;
}

/** An http(s) URL, or undefined when the flag is absent. */
export function parseUrlFlag(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // fall through
  }
  throw new UsageError(`${name} ${value}: expected an http(s) URL`);
}

/** Where a session's tokens come from: `broker` (Roleport signs) or `viewer` (the IdP's ID token). */
export type TokenSourceFlag = 'broker' | 'viewer';

export function parseTokenSource(value: string | undefined): TokenSourceFlag | undefined {
  if (value === undefined) return undefined;
  if (value !== 'broker' && value !== 'viewer') throw new UsageError(`--token-source ${value}: expected broker or viewer`);
  return value;
}

/** An environment variable's value, or undefined when unset or empty. */
export function nonEmptyEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Where an integration's client secret may come from besides a file: never argv, which other users can read. */
export const CLIENT_SECRET_ENV = 'ROLEPORT_INTEGRATION_CLIENT_SECRET';

/** A comma-separated list of guids: `a,b, c` → `['a', 'b', 'c']`; undefined or "" → `[]`. */
export function parseGuidList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

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
