/**
 * The global condition keys that describe who is calling, as IAM sets them for a request
 * signed by an IAM user or by a role session. Shared by AssumeRole and its explain, so that
 * a condition on `aws:PrincipalArn` is decided the same in both.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
import type { AssumedRoleCaller, UserCaller } from './credentials.ts';

export type CallerContextInput =
  | Pick<UserCaller, 'kind' | 'arn' | 'account' | 'userId' | 'userName'>
  | Pick<AssumedRoleCaller, 'kind' | 'roleArn' | 'account' | 'userId' | 'sessionTags' | 'sourceIdentity'>;

export function callerContext(caller: CallerContextInput): Record<string, string> {
  if (caller.kind === 'user') {
    return {
      'aws:PrincipalArn': caller.arn,
      'aws:PrincipalAccount': caller.account,
      'aws:PrincipalType': 'User',
      'aws:userid': caller.userId,
      'aws:username': caller.userName,
    };
  }
  // For a role session, aws:PrincipalArn is the role's ARN (path included), not the session's.
  const context: Record<string, string> = {
    'aws:PrincipalArn': caller.roleArn,
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': caller.userId,
  };
  for (const [key, value] of Object.entries(caller.sessionTags)) context[`aws:PrincipalTag/${key}`] = value;
  if (caller.sourceIdentity !== undefined) context['aws:SourceIdentity'] = caller.sourceIdentity;
  return context;
}
