import { invalidInput } from './errors.ts';
import { findUnsafeCharacter } from './text.ts';

/**
 * One item written as `key=value,key=value` (the form of `docker run --mount`): how a cloud
 * target is given on the admin CLI and in an IdP's string claim. Values may hold `=` and `/`
 * but no comma; keys are the ones listed, each at most once.
 *
 * A claim may also carry the item as a JSON object with the same keys; {@link readKeyValueSpec}
 * takes either.
 */
export function parseKeyValueSpec(text: string, keys: readonly string[], what: string): Record<string, string> {
  const unsafe = findUnsafeCharacter(text);
  if (unsafe !== undefined) throw invalidInput(`${what} must not contain control characters (found ${unsafe})`);
  const result: Record<string, string> = {};
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const equals = trimmed.indexOf('=');
    if (equals <= 0) throw invalidInput(`${what}: ${JSON.stringify(trimmed)} is not key=value (keys: ${keys.join(', ')})`);
    const key = trimmed.slice(0, equals).trim();
    if (!keys.includes(key)) throw invalidInput(`${what}: unknown key ${JSON.stringify(key)} (keys: ${keys.join(', ')})`);
    if (key in result) throw invalidInput(`${what}: ${key} is given twice`);
    result[key] = trimmed.slice(equals + 1).trim();
  }
  return result;
}

/** A `key=value,…` string or an object of strings with those keys, as one record; anything else is refused. */
export function readKeyValueSpec(value: unknown, keys: readonly string[], what: string): Record<string, string> {
  if (typeof value === 'string') return parseKeyValueSpec(value, keys, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput(`${what} must be key=value,… text or an object`);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!keys.includes(key)) throw invalidInput(`${what}: unknown key ${JSON.stringify(key)} (keys: ${keys.join(', ')})`);
    if (item === null || item === undefined) continue;
    if (typeof item !== 'string') throw invalidInput(`${what}: ${key} must be a string`);
    const unsafe = findUnsafeCharacter(item);
    if (unsafe !== undefined) throw invalidInput(`${what}: ${key} must not contain control characters (found ${unsafe})`);
    result[key] = item;
  }
  return result;
}

/** The `key=value,…` form of a record (keys in the given order, empty values left out). */
export function formatKeyValueSpec(record: Readonly<Record<string, string | undefined>>, keys: readonly string[]): string {
  return keys
    .filter((key) => record[key] !== undefined && record[key] !== '')
    .map((key) => `${key}=${record[key]}`)
    .join(',');
}
