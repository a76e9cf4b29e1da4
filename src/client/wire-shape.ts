/**
 * A few checks for the broker's JSON answers, written out instead of a schema library: the
 * in-session commands load this client on every run, and a schema library costs them more
 * start-up time than the rest of the command (issue: in-session commands start fast).
 * Each check returns the value typed, or throws a `WireShapeError` naming the path.
 */

export class WireShapeError extends Error {
  override readonly name = 'WireShapeError';
}

export type Check<T> = (value: unknown, path: string) => T;

const fail = (path: string, expected: string): never => {
  throw new WireShapeError(`${path === '' ? 'body' : path}: expected ${expected}`);
};

export const string: Check<string> = (value, path) => (typeof value === 'string' ? value : fail(path, 'a string'));

export const nonEmptyString: Check<string> = (value, path) => (typeof value === 'string' && value !== '' ? value : fail(path, 'a non-empty string'));

export const number: Check<number> = (value, path) => (typeof value === 'number' && Number.isFinite(value) ? value : fail(path, 'a number'));

/** An ISO 8601 time, kept as the string. */
export const isoTime: Check<string> = (value, path) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : fail(path, 'an ISO 8601 time'));

export function oneOf<const T extends string>(...values: readonly T[]): Check<T> {
  return (value, path) => (typeof value === 'string' && (values as readonly string[]).includes(value) ? (value as T) : fail(path, values.join(' | ')));
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value, path) => (value === undefined ? undefined : check(value, path));
}

/** Absent or null: null. */
export function nullable<T>(check: Check<T>): Check<T | null> {
  return (value, path) => (value === undefined || value === null ? null : check(value, path));
}

export function arrayOf<T>(check: Check<T>): Check<T[]> {
  return (value, path) => (Array.isArray(value) ? value.map((item, index) => check(item, `${path}.${index}`)) : fail(path, 'an array'));
}

/** The listed fields, checked; other fields are ignored (the broker may add some). */
export function object<const S extends Record<string, Check<unknown>>>(shape: S): Check<{ [K in keyof S]: ReturnType<S[K]> }> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, 'an object');
    const record = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) result[key] = check(record[key], path === '' ? key : `${path}.${key}`);
    return result as { [K in keyof S]: ReturnType<S[K]> };
  };
}
