/**
 * IAM role ARNs as a user may be assigned them: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html (RoleName, Path)
 */

/** The partitions a role can live in (standard, China, GovCloud). */
export const ROLE_ARN_PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

export type RoleArnPartition = (typeof ROLE_ARN_PARTITIONS)[number];

export interface RoleArn {
  arn: string;
  partition: RoleArnPartition;
  accountId: string;
  /** `/` or `/segment/…/`, as IAM reports a role's path. */
  path: string;
  roleName: string;
}

export type RoleArnCheck = { ok: true; role: RoleArn } | { ok: false; reason: string };

// STS accepts RoleArn values of 20–2048 characters.
const MAX_ARN_LENGTH = 2048;
const MAX_PATH_LENGTH = 512;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// A path's characters are printable ASCII without space (IAM's pattern \u0021-\u007E).
const PATH_CHARACTERS = /^[\x21-\x7E]*$/;

/**
 * Checks that `value` is an IAM role ARN and says what is wrong when it is not, in words an
 * admin can act on.
 */
export function checkRoleArn(value: string): RoleArnCheck {
  if (value.length > MAX_ARN_LENGTH) return fail(`longer than ${MAX_ARN_LENGTH} characters`);
  const parts = value.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn') return fail('not an ARN (expected arn:aws:iam::123456789012:role/NAME)');
  const [, partition, service, region, accountId, resource] = parts as [string, string, string, string, string, string];
  if (!isPartition(partition)) return fail(`partition "${partition}" is not one of ${ROLE_ARN_PARTITIONS.join(', ')}`);
  if (service !== 'iam') return fail(`service "${service}" is not iam`);
  if (region !== '') return fail('IAM ARNs have no region (expected arn:aws:iam::ACCOUNT:role/NAME)');
  if (!/^\d{12}$/.test(accountId)) return fail(`account "${accountId}" is not 12 digits`);
  if (!resource.startsWith('role/')) return fail(`resource "${resource}" is not a role (expected role/NAME or role/PATH/NAME)`);
  const afterType = resource.slice('role/'.length);
  const lastSlash = afterType.lastIndexOf('/');
  const roleName = afterType.slice(lastSlash + 1);
  const path = lastSlash < 0 ? '/' : `/${afterType.slice(0, lastSlash + 1)}`;
  if (!ROLE_NAME.test(roleName)) return fail(`role name "${roleName}" must be 1-64 characters of letters, digits and +=,.@_-`);
  if (path.length > MAX_PATH_LENGTH || !PATH_CHARACTERS.test(path) || path.includes('//')) {
    return fail(`role path "${path}" must be up to ${MAX_PATH_LENGTH} printable characters without empty segments`);
  }
  return { ok: true, role: { arn: value, partition, accountId, path, roleName } };
}

/** True when `value` is a valid IAM role ARN. */
export function isRoleArn(value: string): boolean {
  return checkRoleArn(value).ok;
}

function isPartition(value: string): value is RoleArnPartition {
  return (ROLE_ARN_PARTITIONS as readonly string[]).includes(value);
}

function fail(reason: string): RoleArnCheck {
  return { ok: false, reason };
}

/**
 * STS's rule for `RoleSessionName`: 2–64 characters of `[\w+=,.@-]`.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 */
export function isRoleSessionName(value: string): boolean {
  return /^[\w+=,.@-]{2,64}$/.test(value);
}
