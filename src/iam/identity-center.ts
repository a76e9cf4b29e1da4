/**
 * IAM Identity Center's names as IAM sees them: a permission set's name, and the role
 * Identity Center creates for it in each account,
 * `role/aws-reserved/sso.amazonaws.com/[REGION/]AWSReservedSSO_NAME_SUFFIX`, whose suffix
 * changes whenever the assignment is recreated (so policies match it with a pattern).
 * @see https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html (Name: 1–32 of [\w+=,.@-])
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
 */
import type { PartitionId } from './partitions.ts';

const PERMISSION_SET_NAME = /^[\w+=,.@-]{1,32}$/;

export function isPermissionSetName(value: string): boolean {
  return PERMISSION_SET_NAME.test(value);
}

/** `ArnLike` pattern for a permission set's roles in one account; `*` before the name spans the optional region segment. */
export function permissionSetRolePattern(partition: PartitionId, account: string, permissionSetName: string): string {
  return `arn:${partition}:iam::${account}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${permissionSetName}_*`;
}

/** The account's root principal: in a Principal, it stands for every identity of the account. */
export function accountRootArn(partition: PartitionId, account: string): string {
  return `arn:${partition}:iam::${account}:root`;
}
