/**
 * IAM role ARNs as STS takes them in `RoleArn`: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov']);
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const PATH = /^[\x21-\x7E]{0,510}$/;

export type RoleArnCheck = { ok: true; accountId: string; roleName: string } | { ok: false; reason: string };

/** Says what is wrong with `value` as a role ARN, in words an admin can act on. */
export function checkRoleArn(value: string): RoleArnCheck {
  if (value.length < 20 || value.length > 2048) return { ok: false, reason: 'STS takes 20-2048 characters' };
  const parts = value.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn') return { ok: false, reason: 'expected arn:aws:iam::123456789012:role/NAME' };
  const [, partition, service, region, accountId, resource] = parts as [string, string, string, string, string, string];
  if (!PARTITIONS.has(partition)) return { ok: false, reason: `partition "${partition}" is not aws, aws-cn or aws-us-gov` };
  if (service !== 'iam' || region !== '') return { ok: false, reason: 'expected the iam service and no region (arn:aws:iam::ACCOUNT:role/NAME)' };
  if (!/^\d{12}$/.test(accountId)) return { ok: false, reason: `account "${accountId}" is not 12 digits` };
  if (!resource.startsWith('role/')) return { ok: false, reason: `resource "${resource}" is not role/NAME` };
  const rest = resource.slice('role/'.length);
  const slash = rest.lastIndexOf('/');
  const roleName = rest.slice(slash + 1);
  if (!ROLE_NAME.test(roleName)) return { ok: false, reason: `role name "${roleName}" must be 1-64 characters of letters, digits and +=,.@_-` };
  if (slash >= 0 && (!PATH.test(rest.slice(0, slash)) || rest.slice(0, slash).split('/').includes(''))) return { ok: false, reason: 'the role path has an empty or invalid segment' };
  return { ok: true, accountId, roleName };
}
