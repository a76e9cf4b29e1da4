import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { quote, renderFile, resourceName } from '../core/hcl.ts';
import type { OidcProviderSetup } from './oidc-provider.ts';
import { buildPermissionSetPolicy } from './permission-set-policy.ts';
import { renderOidcProvider, renderPermissionSetPolicy, renderTrustPolicy } from './render.ts';
import { buildTrustPolicy } from './trust-policy.ts';

const trust = buildTrustPolicy({
  roleName: 'ExecutionRole',
  issuer: 'https://id.example.com/tenant',
  audience: 'sts.amazonaws.com',
  subjectTemplate: 'user:{username}',
  subLike: ['user:*', 'repo:${aws:username}%{x}'],
  sessionTags: true,
  maxSessionDurationSeconds: 43200,
});
const trustWithAccount = buildTrustPolicy({ roleName: 'ReadOnly', account: '111122223333', issuer: 'https://id.example.com', audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}' });
const permissionSet = buildPermissionSetPolicy({ accounts: ['111111111111', '222222222222'], roles: ['ExecutionRole', 'ReadOnlyRole'] });
const oidc: OidcProviderSetup = {
  url: 'https://id.example.com',
  clientIds: ['sts.amazonaws.com'],
  thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
  providerArn: undefined,
  tls: { status: 'not-inspected' },
  notes: [],
};

const terraformOutputs = (): [string, string][] => [
  ['trust', renderTrustPolicy(trust, 'terraform')],
  ['trust-with-account', renderTrustPolicy(trustWithAccount, 'terraform')],
  ['permission-set', renderPermissionSetPolicy(permissionSet, 'terraform')],
  ['oidc-provider', renderOidcProvider(oidc, 'terraform')],
];
const cloudFormationOutputs = (): [string, string][] => [
  ['trust', renderTrustPolicy(trust, 'cloudformation')],
  ['trust-with-account', renderTrustPolicy(trustWithAccount, 'cloudformation')],
  ['permission-set', renderPermissionSetPolicy(permissionSet, 'cloudformation')],
  ['oidc-provider', renderOidcProvider(oidc, 'cloudformation')],
];

test('HCL strings escape quotes, backslashes, control characters and template sequences', () => {
  assert.equal(quote('a"b\\c\nd\u0001'), '"a\\"b\\\\c\\nd\\u0001"');
  // ${ and %{ start HCL interpolations and directives: doubled, they stay literal.
  assert.equal(quote('${aws:username} %{if}'), '"$${aws:username} %%{if}"');
  assert.equal(quote('arn:aws:iam::ACCOUNT_ID:x', { ':ACCOUNT_ID:': ':${var.account}:' }), '"arn:aws:iam::${var.account}:x"');
  assert.equal(resourceName('ExecutionRole'), 'execution_role');
  assert.equal(resourceName('9-lives'), 'r_9_lives');
});

test('HCL attributes align their = across consecutive single-line attributes, as terraform fmt does', () => {
  const text = renderFile([
    { type: 'resource', labels: ['x', 'y'], body: [{ attribute: 'a', value: 1 }, { attribute: 'long_name', value: 'v' }, { attribute: 'o', value: { k: 'v' } }, { attribute: 'b', value: true }] },
  ]);
  assert.equal(text, 'resource "x" "y" {\n  a         = 1\n  long_name = "v"\n  o = {\n    k = "v"\n  }\n  b = true\n}\n');
});

test('Terraform output carries the policy in jsonencode, the deploying account when none was given, and literal policy variables', () => {
  const [, text] = terraformOutputs()[0]!;
  assert.match(text, /^data "aws_caller_identity" "current" \{\}$/m);
  assert.match(text, /resource "aws_iam_role" "execution_role" \{/);
  assert.match(text, /Federated = "arn:aws:iam::\$\{data\.aws_caller_identity\.current\.account_id\}:oidc-provider\/id\.example\.com\/tenant"/);
  assert.match(text, /"id\.example\.com\/tenant:sub" = \["user:\*", "repo:\$\$\{aws:username\}%%\{x\}"\]/);
  assert.match(text, /max_session_duration = 43200/);
  const [, withAccount] = terraformOutputs()[1]!;
  assert.doesNotMatch(withAccount, /aws_caller_identity/);
  assert.match(withAccount, /arn:aws:iam::111122223333:oidc-provider\/id\.example\.com"/);
  const [, permission] = terraformOutputs()[2]!;
  assert.match(permission, /resource "aws_ssoadmin_permission_set_inline_policy" "roleport_assume_roles"/);
  assert.match(permission, /"arn:aws:iam::222222222222:role\/ReadOnlyRole",/);
  const [, provider] = terraformOutputs()[3]!;
  assert.match(provider, /thumbprint_list = \["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"\]/);
});

test('CloudFormation output parses as YAML with the resources and intrinsic functions in long form', () => {
  const [[, trustText], [, withAccountText], [, permissionText], [, providerText]] = cloudFormationOutputs() as [[string, string], [string, string], [string, string], [string, string]];
  const template = parseYaml(trustText) as Record<string, any>;
  // Quoted: YAML 1.1 readers would take 2010-09-09 for a date.
  assert.match(trustText, /^AWSTemplateFormatVersion: "2010-09-09"$/m);
  assert.equal(template['AWSTemplateFormatVersion'], '2010-09-09');
  const role = template['Resources']['ExecutionRole'];
  assert.equal(role.Type, 'AWS::IAM::Role');
  assert.equal(role.Properties.MaxSessionDuration, 43200);
  const statement = role.Properties.AssumeRolePolicyDocument.Statement[0];
  assert.deepEqual(statement.Principal.Federated, { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/id.example.com/tenant' });
  assert.deepEqual(statement.Condition.StringLike['id.example.com/tenant:sub'], ['user:*', 'repo:${aws:username}%{x}']);
  assert.equal(role.Properties.AssumeRolePolicyDocument.Version, '2012-10-17');
  const fixed = parseYaml(withAccountText) as Record<string, any>;
  assert.equal(fixed['Resources']['ReadOnly'].Properties.AssumeRolePolicyDocument.Statement[0].Principal.Federated, 'arn:aws:iam::111122223333:oidc-provider/id.example.com');
  const permission = parseYaml(permissionText) as Record<string, any>;
  assert.equal(permission['Resources']['RoleportAssumeRoles'].Type, 'AWS::SSO::PermissionSet');
  assert.deepEqual(permission['Resources']['RoleportAssumeRoles'].Properties.InlinePolicy, permissionSet.policy);
  const provider = parseYaml(providerText) as Record<string, any>;
  assert.deepEqual(provider['Resources']['RoleportOidcProvider'], {
    Type: 'AWS::IAM::OIDCProvider',
    Properties: { Url: 'https://id.example.com', ClientIdList: ['sts.amazonaws.com'], ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] },
  });
});

test('JSON output is the bare document AWS takes', () => {
  assert.deepEqual(JSON.parse(renderTrustPolicy(trustWithAccount, 'json')), trustWithAccount.policy);
  assert.deepEqual(JSON.parse(renderPermissionSetPolicy(permissionSet, 'json')), permissionSet.policy);
  assert.deepEqual(JSON.parse(renderOidcProvider(oidc, 'json')), { Url: 'https://id.example.com', ClientIDList: ['sts.amazonaws.com'], ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] });
  assert.deepEqual(JSON.parse(renderOidcProvider({ ...oidc, thumbprints: [] }, 'json')), { Url: 'https://id.example.com', ClientIDList: ['sts.amazonaws.com'] });
});

test('the role-bound :sub pattern of a policy without --account names the deploying account in CloudFormation and Terraform', () => {
  const bound = buildTrustPolicy({ roleName: 'DataScientist', issuer: 'https://id.example.com', audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}:role:{account_id}:{role_name}' });
  assert.deepEqual(bound.subLike, ['user:*:role:ACCOUNT_ID:DataScientist']);
  const template = parseYaml(renderTrustPolicy(bound, 'cloudformation')) as Record<string, any>;
  const statement = template['Resources']['DataScientist'].Properties.AssumeRolePolicyDocument.Statement[0];
  assert.deepEqual(statement.Condition.StringLike['id.example.com:sub'], { 'Fn::Sub': 'user:*:role:${AWS::AccountId}:DataScientist' });
  assert.deepEqual(statement.Principal.Federated, { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/id.example.com' });
  const terraform = renderTrustPolicy(bound, 'terraform');
  assert.match(terraform, /"id\.example\.com:sub" = "user:\*:role:\$\{data\.aws_caller_identity\.current\.account_id\}:DataScientist"/);
  assert.match(terraform, /resource "aws_iam_role" "data_scientist" \{\n  name +=  ?"DataScientist"/);
});
