import { invalidInput } from '../core/index.ts';
import { accountRootArn, isPermissionSetName, maxSessionDurationProblem, permissionSetRolePattern } from '../iam/index.ts';
import { validateAccountId, validateRoleName, type AwsPartition } from './admin-input.ts';
import type { IamPolicyDocument } from './policy-json.ts';
import { oneOrList } from './policy-json.ts';
import { ACCOUNT_PLACEHOLDER } from './trust-policy.ts';

export interface PermissionSetTrustPolicyOptions {
  /** The role that trusts the permission set (for the CloudFormation/Terraform output). */
  roleName: string;
  /** The IAM Identity Center permission set's name, e.g. `DataScientist`. */
  permissionSetName: string;
  /**
   * The accounts whose users of the permission set may assume the role: where they sign in
   * (the permission set is provisioned there). Empty writes {@link ACCOUNT_PLACEHOLDER}:
   * the account the role is deployed to.
   */
  accounts?: readonly string[] | undefined;
  partition?: AwsPartition | undefined;
  /** Role's MaxSessionDuration for the CloudFormation/Terraform output (3600–43200). */
  maxSessionDurationSeconds?: number | undefined;
}

export interface PermissionSetTrustPolicyResult {
  roleName: string;
  permissionSetName: string;
  accounts: readonly string[];
  /** Whether the policy holds {@link ACCOUNT_PLACEHOLDER}. */
  accountPlaceholder: boolean;
  /** The `aws:PrincipalArn` patterns (ArnLike), one per account. */
  principalArnPatterns: readonly string[];
  maxSessionDurationSeconds: number | undefined;
  policy: IamPolicyDocument;
}


/**
 * The trust policy of an execution or read-only role that the users of an IAM Identity
 * Center permission set may assume — the other half of `roleport aws
 * permission-set-policy`. Identity Center creates the permission set's role in each account
 * as `aws-reserved/sso.amazonaws.com/[REGION/]AWSReservedSSO_NAME_SUFFIX`, and the suffix
 * changes whenever the assignment is recreated, so AWS advises against naming that ARN: the
 * policy trusts the account (`:root`) and narrows it with `ArnLike` on `aws:PrincipalArn`.
 * Because it names the account, not the role, IAM also requires the permission set's inline
 * policy to allow `sts:AssumeRole` on this role — in the same account as across accounts.
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
export function buildPermissionSetTrustPolicy(options: PermissionSetTrustPolicyOptions): PermissionSetTrustPolicyResult {
  validateRoleName(options.roleName, '--role-name');
  if (!isPermissionSetName(options.permissionSetName)) {
    throw invalidInput(`--for-permission-set ${JSON.stringify(options.permissionSetName)}: a permission set name is 1-32 characters of letters, digits and +=,.@_-`);
  }
  const given = [...new Set(options.accounts ?? [])];
  for (const account of given) validateAccountId(account, '--account');
  const duration = options.maxSessionDurationSeconds;
  if (duration !== undefined && maxSessionDurationProblem(duration) !== undefined) throw invalidInput(`--max-session-duration ${duration}: must be ${maxSessionDurationProblem(duration)}`);
  const partition = options.partition ?? 'aws';
  const accounts = given.length === 0 ? [ACCOUNT_PLACEHOLDER] : given;
  const roots = accounts.map((account) => accountRootArn(partition, account));
  const principalArnPatterns = accounts.map((account) => permissionSetRolePattern(partition, account, options.permissionSetName));
  return {
    roleName: options.roleName,
    permissionSetName: options.permissionSetName,
    accounts,
    accountPlaceholder: given.length === 0,
    principalArnPatterns,
    maxSessionDurationSeconds: duration,
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RoleportPermissionSet',
          Effect: 'Allow',
          Principal: { AWS: oneOrList(roots) },
          Action: 'sts:AssumeRole',
          Condition: { ArnLike: { 'aws:PrincipalArn': oneOrList(principalArnPatterns) } },
        },
      ],
    },
  };
}
