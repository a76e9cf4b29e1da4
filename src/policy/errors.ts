import { RoleportError } from '../core/index.ts';

/** A policy that cannot be evaluated; the message starts with the path of the offending element. */
export function malformedPolicy(message: string): RoleportError {
  return new RoleportError('ERR_POLICY_MALFORMED', message);
}

/** `["a","b"]`, for details and explanations. */
export function quoteList(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** A condition key in a path: `["token.example.com:aud"]`, since keys hold dots. */
export function keyPath(key: string): string {
  return `[${JSON.stringify(key)}]`;
}
