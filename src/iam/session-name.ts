/**
 * STS's rule for `RoleSessionName` and `SourceIdentity`, which CloudTrail records with every
 * call: 2–64 characters of `[\w+=,.@-]`.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_RequestParameters
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_RequestParameters
 */

/** `RoleSessionName` and `SourceIdentity`: 2–64 of `[\w+=,.@-]` (ASCII word characters, as Java's `\w`). */
export const SESSION_NAME_LENGTH = { min: 2, max: 64 } as const;
export const SESSION_NAME = /^[\w+=,.@-]*$/;
const SESSION_NAME_DISALLOWED = /[^\w+=,.@-]/g;

export function isRoleSessionName(value: string): boolean {
  return value.length >= SESSION_NAME_LENGTH.min && value.length <= SESSION_NAME_LENGTH.max && SESSION_NAME.test(value);
}

/** `SourceIdentity` follows the session-name rule; the pattern also keeps out AWS's reserved `aws:` prefix. */
export const isSourceIdentity = isRoleSessionName;

/**
 * Makes any string a valid session name: every character outside `[\w+=,.@-]` becomes `-`,
 * the result is cut to 64 and padded with `-` to 2. CloudTrail records this name, so it
 * stays as close to the input as the rules allow instead of being hashed.
 */
export function sanitizeRoleSessionName(name: string): string {
  return name.replace(SESSION_NAME_DISALLOWED, '-').slice(0, SESSION_NAME_LENGTH.max).padEnd(SESSION_NAME_LENGTH.min, '-');
}

