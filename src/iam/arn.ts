/**
 * IAM's ARNs and names: the six segments of an ARN, account IDs, role and user names and
 * paths, and the ARNs of roles, users, assumed-role sessions and managed policies.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName, Path)
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html (UserName, Path)
 */
import { isPartition, PARTITION_IDS, type PartitionId } from './partitions.ts';

/** `arn:partition:service:region:account:resource` — the resource may itself hold colons. */
export const ARN_SEGMENTS = 6;

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** Splits at the first `count - 1` colons; undefined when there are fewer. */
export function splitAtColons(value: string, count: number): string[] | undefined {
  const segments: string[] = [];
  let start = 0;
  for (let i = 0; i < count - 1; i++) {
    const colon = value.indexOf(':', start);
    if (colon < 0) return undefined;
    segments.push(value.slice(start, colon));
    start = colon + 1;
  }
  segments.push(value.slice(start));
  return segments;
}

/** The six segments of an ARN, or undefined when `value` is not `arn:` with five colons. */
export function parseArn(value: string): Arn | undefined {
  if (!value.startsWith('arn:')) return undefined;
  const segments = splitAtColons(value, ARN_SEGMENTS);
  if (segments === undefined) return undefined;
  const [, partition, service, region, account, resource] = segments as [string, string, string, string, string, string];
  return { partition, service, region, account, resource };
}

const ACCOUNT_ID = /^\d{12}$/;

/** A 12-digit AWS account ID. @see https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html */
export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

/** Role and user names: 1–64 of `[\w+=,.@-]` (ASCII word characters). */
const ENTITY_NAME = /^[\w+=,.@-]{1,64}$/;

export function isRoleName(value: string): boolean {
  return ENTITY_NAME.test(value);
}

export function isUserName(value: string): boolean {
  return ENTITY_NAME.test(value);
}

/** IAM's `Path`: `/` alone, or 1–512 printable ASCII characters that begin and end with `/`. */
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;
export const MAX_PATH_LENGTH = 512;

export function isIamPath(value: string): boolean {
  return value.length <= MAX_PATH_LENGTH && PATH.test(value);
}

/** STS's `RoleArn` (and IAM's ARN fields) are at most 2048 characters. */
export const MAX_ARN_LENGTH = 2048;

/** An IAM role or user: `arn:PARTITION:iam::ACCOUNT:role|user/[PATH/]NAME`. */
export interface IamEntityArn {
  readonly arn: string;
  readonly partition: PartitionId;
  readonly account: string;
  /** `/` or `/segment/…/`, as IAM reports an entity's path. */
  readonly path: string;
  readonly name: string;
}

export type RoleArn = IamEntityArn;
export type UserArn = IamEntityArn;

export type ArnCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

const ENTITY_EXAMPLE = { role: 'arn:aws:iam::123456789012:role/NAME', user: 'arn:aws:iam::123456789012:user/NAME' } as const;

/** Says what is wrong with `value` as the ARN of an IAM role or user, in words an admin can act on. */
function checkEntityArn(value: string, type: 'role' | 'user'): ArnCheck<IamEntityArn> {
  const fail = (reason: string): ArnCheck<IamEntityArn> => ({ ok: false, reason });
  if (value.length > MAX_ARN_LENGTH) return fail(`longer than ${MAX_ARN_LENGTH} characters`);
  const arn = parseArn(value);
  if (arn === undefined) return fail(`not an ARN (expected ${ENTITY_EXAMPLE[type]})`);
  if (!isPartition(arn.partition)) return fail(`partition "${arn.partition}" is not one of ${PARTITION_IDS.join(', ')}`);
  if (arn.service !== 'iam') return fail(`service "${arn.service}" is not iam`);
  if (arn.region !== '') return fail(`IAM ARNs have no region (expected ${ENTITY_EXAMPLE[type]})`);
  if (!isAccountId(arn.account)) return fail(`account "${arn.account}" is not 12 digits`);
  if (!arn.resource.startsWith(`${type}/`)) return fail(`resource "${arn.resource}" is not a ${type} (expected ${type}/NAME or ${type}/PATH/NAME)`);
  const afterType = arn.resource.slice(type.length + 1);
  const lastSlash = afterType.lastIndexOf('/');
  const name = afterType.slice(lastSlash + 1);
  const path = lastSlash < 0 ? '/' : `/${afterType.slice(0, lastSlash + 1)}`;
  if (!ENTITY_NAME.test(name)) return fail(`${type} name "${name}" must be 1-64 characters of letters, digits and +=,.@_-`);
  if (!isIamPath(path)) return fail(`${type} path "${path}" must be at most ${MAX_PATH_LENGTH} printable ASCII characters without spaces`);
  return { ok: true, value: { arn: value, partition: arn.partition, account: arn.account, path, name } };
}

export function checkRoleArn(value: string): ArnCheck<RoleArn> {
  return checkEntityArn(value, 'role');
}

export function parseRoleArn(value: string): RoleArn | undefined {
  const check = checkRoleArn(value);
  return check.ok ? check.value : undefined;
}

export function isRoleArn(value: string): boolean {
  return checkRoleArn(value).ok;
}

export function parseUserArn(value: string): UserArn | undefined {
  const check = checkEntityArn(value, 'user');
  return check.ok ? check.value : undefined;
}

/** The ARN of a role, from its parts. */
export function roleArn(partition: PartitionId, account: string, name: string, path = '/'): string {
  return `arn:${partition}:iam::${account}:role${path}${name}`;
}

/** A role session: `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION` — the role's path is not part of it. */
export interface AssumedRoleArn {
  readonly arn: string;
  readonly partition: PartitionId;
  readonly account: string;
  readonly roleName: string;
  readonly sessionName: string;
}

export function assumedRoleArn(role: Pick<RoleArn, 'partition' | 'account' | 'name'>, sessionName: string): string {
  return `arn:${role.partition}:sts::${role.account}:assumed-role/${role.name}/${sessionName}`;
}

/** Session names here follow `RoleSessionName`'s rule (session-name.ts), 2–64 of `[\w+=,.@-]`. */
const ASSUMED_ROLE_RESOURCE = /^assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/;

export function parseAssumedRoleArn(value: string): AssumedRoleArn | undefined {
  const arn = parseArn(value);
  if (arn === undefined || !isPartition(arn.partition) || arn.service !== 'sts' || arn.region !== '' || !isAccountId(arn.account)) return undefined;
  const match = ASSUMED_ROLE_RESOURCE.exec(arn.resource);
  if (match === null) return undefined;
  return { arn: value, partition: arn.partition, account: arn.account, roleName: match[1]!, sessionName: match[2]! };
}

/** The role a session belongs to, as far as its ARN tells (the path is lost: `/`). */
export function roleOfSession(session: AssumedRoleArn): string {
  return roleArn(session.partition, session.account, session.roleName);
}

/**
 * A managed policy's ARN as `PolicyArns` takes it: `arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME`,
 * or `aws` for the account of an AWS managed policy.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_PolicyDescriptorType.html
 */
const POLICY_ARN = /^arn:[\w-]+:iam::(\d{12}|aws):policy\/[\u0021-\u007E]+$/;

export function isPolicyArn(value: string): boolean {
  return POLICY_ARN.test(value);
}
