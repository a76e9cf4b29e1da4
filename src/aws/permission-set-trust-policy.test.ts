import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { RoleportError } from '../core/index.ts';
import { evaluatePolicy, parsePolicy } from '../policy/index.ts';
import { buildPermissionSetTrustPolicy } from './permission-set-trust-policy.ts';
import { renderPermissionSetTrustPolicy } from './render.ts';

const SSO_ROLE = (account: string, name = 'DataScientist', region = 'us-east-1/') =>
  `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/${region}AWSReservedSSO_${name}_0123456789abcdef`;

test("the trust policy delegates to the sign-in account and narrows it to the permission set's role by aws:PrincipalArn", () => {
  const result = buildPermissionSetTrustPolicy({ roleName: 'ExecutionRole', permissionSetName: 'DataScientist', accounts: ['111111111111'] });
  assert.deepEqual(result.policy, {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RoleportPermissionSet',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111111111111:root' },
        Action: 'sts:AssumeRole',
        Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_DataScientist_*' } },
      },
    ],
  });
  assert.equal(result.accountPlaceholder, false);

  // The generated JSON is a trust policy IAM's engine reads, and it matches exactly the permission set's roles.
  const policy = parsePolicy(JSON.stringify(result.policy));
  const decide = (principalArn: string, caller = 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice') =>
    evaluatePolicy(policy, { action: 'sts:AssumeRole', principal: { aws: caller }, resource: 'arn:aws:iam::222222222222:role/ExecutionRole', context: { 'aws:PrincipalArn': principalArn } }).decision;
  assert.equal(decide(SSO_ROLE('111111111111')), 'allow');
  assert.equal(decide(SSO_ROLE('111111111111', 'DataScientist', '')), 'allow', 'older roles have no region in their path');
  assert.equal(decide(SSO_ROLE('111111111111', 'DataScientistAdmin')), 'deny');
  assert.equal(decide(SSO_ROLE('111111111111', 'Admin')), 'deny');
  assert.equal(decide('arn:aws:iam::111111111111:role/AWSReservedSSO_DataScientist_0123456789abcdef'), 'deny', 'only roles Identity Center made, under aws-reserved/sso.amazonaws.com');
  assert.equal(decide(SSO_ROLE('333333333333'), 'arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice'), 'deny');
});

test('several sign-in accounts; without one, CloudFormation and Terraform trust the deploying account', () => {
  const several = buildPermissionSetTrustPolicy({ roleName: 'ReadOnlyRole', permissionSetName: 'DataScientist', accounts: ['111111111111', '222222222222'] });
  assert.deepEqual(several.policy.Statement[0]?.Principal, { AWS: ['arn:aws:iam::111111111111:root', 'arn:aws:iam::222222222222:root'] });
  assert.equal(several.principalArnPatterns.length, 2);

  const placeholder = buildPermissionSetTrustPolicy({ roleName: 'ReadOnlyRole', permissionSetName: 'DataScientist', maxSessionDurationSeconds: 7200 });
  assert.equal(placeholder.accountPlaceholder, true);
  const cfn = parse(renderPermissionSetTrustPolicy(placeholder, 'cloudformation')) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
  const role = cfn.Resources['ReadOnlyRole']!.Properties;
  assert.equal(role['MaxSessionDuration'], 7200);
  assert.deepEqual((role['AssumeRolePolicyDocument'] as { Statement: Array<{ Principal: unknown }> }).Statement[0]!.Principal, { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } });
  const tf = renderPermissionSetTrustPolicy(placeholder, 'terraform');
  assert.match(tf, /data "aws_caller_identity" "current" \{\}/);
  assert.match(tf, /"aws:PrincipalArn" = "arn:aws:iam::\$\{data\.aws_caller_identity\.current\.account_id\}:role\/aws-reserved\/sso\.amazonaws\.com\/\*AWSReservedSSO_DataScientist_\*"/);
});

test('bad names and accounts are refused naming the flag', () => {
  const refuses = (options: Parameters<typeof buildPermissionSetTrustPolicy>[0], pattern: RegExp): void =>
    assert.throws(() => buildPermissionSetTrustPolicy(options), (e: unknown) => e instanceof RoleportError && e.code === 'ERR_INPUT_INVALID' && pattern.test(e.message));
  refuses({ roleName: 'R', permissionSetName: 'x'.repeat(33) }, /--for-permission-set/);
  refuses({ roleName: 'R', permissionSetName: 'Data Scientist' }, /--for-permission-set "Data Scientist"/);
  refuses({ roleName: 'R', permissionSetName: 'P', accounts: ['1'] }, /--account "1": must be 12 digits/);
  refuses({ roleName: 'Bad/Role', permissionSetName: 'P' }, /--role-name/);
  refuses({ roleName: 'R', permissionSetName: 'P', maxSessionDurationSeconds: 60 }, /--max-session-duration 60/);
});
