import { invalidInput } from '../core/index.ts';
import { isPermissionSetName, roleArn } from '../iam/index.ts';
import { validateAccountId, validateRoleName, type AwsPartition } from './admin-input.ts';
import type { IamPolicyDocument } from './policy-json.ts';

export interface PermissionSetPolicyOptions {
  accounts: readonly string[];
  roles: readonly string[];
  partition?: AwsPartition | undefined;
  /** Name of the IAM Identity Center permission set, for the CloudFormation/Terraform output. */
  permissionSetName?: string | undefined;
}

export interface PermissionSetPolicyResult {
  accounts: readonly string[];
  roles: readonly string[];
  roleArns: readonly string[];
  permissionSetName: string;
  policy: IamPolicyDocument;
}


/**
 * The inline policy of an IAM Identity Center permission set that lets its users
 * `sts:AssumeRole` the named roles in the named accounts: every account × role pair as an
 * explicit Resource ARN, no wildcards, so that adding an account is a visible change.
 * (Each role's own trust policy must still trust the SSO role — AWS checks both sides;
 * `roleport aws trust-policy --for-permission-set NAME` writes it.)
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetcustom.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
 */
export function buildPermissionSetPolicy(options: PermissionSetPolicyOptions): PermissionSetPolicyResult {
  if (options.accounts.length === 0) throw invalidInput('--accounts: give at least one 12-digit account id');
  if (options.roles.length === 0) throw invalidInput('--roles: give at least one role name');
  for (const account of options.accounts) validateAccountId(account, '--accounts: account id');
  for (const role of options.roles) validateRoleName(role, '--roles: role name');
  const permissionSetName = options.permissionSetName ?? 'RoleportAssumeRoles';
  if (!isPermissionSetName(permissionSetName)) {
    throw invalidInput(`--name ${JSON.stringify(permissionSetName)}: a permission set name is 1-32 characters of letters, digits and +=,.@_-`);
  }
  const partition = options.partition ?? 'aws';
  const roleArns = options.accounts.flatMap((account) => options.roles.map((role) => roleArn(partition, account, role)));
  return {
    accounts: [...options.accounts],
    roles: [...options.roles],
    roleArns,
    permissionSetName,
    policy: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'RoleportAssumeRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns }],
    },
  };
}
