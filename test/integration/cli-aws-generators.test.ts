import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli, type CliResult } from '../helpers/run-cli.ts';

/**
 * `roleport aws trust-policy` and `roleport aws permission-set-policy` as an admin runs them:
 * the issuer from the environment, every format, and exit 2 naming a bad value.
 */

const ISSUER = 'https://roleport.test/tenant';
let dir: string;
let env: Record<string, string>;
const roleport = (args: readonly string[]): Promise<CliResult> => runCli(args, env, { cwd: dir });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-aws-gen-'));
  env = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: ISSUER };
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('trust-policy: JSON from the configured issuer and subject template, :sub pinned to the role; --json is the same document', async () => {
  const run = await roleport(['aws', 'trust-policy', '--role-name', 'ExecutionRole', '--account', '111122223333', '--session-tags']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '', 'a bound policy needs no warning');
  const policy = JSON.parse(run.stdout);
  assert.deepEqual(policy.Statement[0].Principal, { Federated: 'arn:aws:iam::111122223333:oidc-provider/roleport.test/tenant' });
  assert.deepEqual(policy.Statement[0].Action, ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']);
  assert.deepEqual(policy.Statement[0].Condition, {
    StringEquals: { 'roleport.test/tenant:aud': 'sts.amazonaws.com' },
    StringLike: { 'roleport.test/tenant:sub': 'user:*:role:111122223333:ExecutionRole' },
  });
  const json = await roleport(['aws', 'trust-policy', '--role-name', 'ExecutionRole', '--account', '111122223333', '--session-tags', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), policy);
});

test('trust-policy: --issuer, --audience, repeated --sub-like and --source-identity; a missing account is flagged', async () => {
  const run = await roleport([
    'aws', 'trust-policy', '--role-name', 'Ci', '--issuer', 'https://ci.example.com', '--audience', 'ci-aud',
    '--sub-like', 'repo:acme/*', '--sub-like', 'repo:other/app', '--source-identity',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const statement = JSON.parse(run.stdout).Statement[0];
  assert.equal(statement.Principal.Federated, 'arn:aws:iam::ACCOUNT_ID:oidc-provider/ci.example.com');
  assert.deepEqual(statement.Action, ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity']);
  assert.deepEqual(statement.Condition.StringLike, { 'ci.example.com:sub': ['repo:acme/*', 'repo:other/app'] });
  assert.deepEqual(statement.Condition.StringEquals, { 'ci.example.com:aud': 'ci-aud' });
  assert.match(run.stderr, /^note: no --account: replace ACCOUNT_ID/m);
  // Patterns that leave out the role part: AWS could not refuse another role's token.
  assert.match(run.stderr, /^warning: --sub-like repo:acme\/\*, repo:other\/app does not end with :role:ACCOUNT_ID:Ci: tokens minted for other roles match it\. AWS cannot refuse a token of a session that does not hold Ci\.$/m);
});

test('trust-policy --token-source viewer: the IdP as issuer, --sub-like required, and a warning that the IdP\'s tokens cannot be bound', async () => {
  const config = join(dir, 'viewer.yaml');
  writeFileSync(config, 'sso:\n  enabled: true\n  issuer: https://idp.example.com\n  clientId: roleport-client\n  clientSecret: s3cret\n');
  const missing = await roleport(['--config', config, 'aws', 'trust-policy', '--role-name', 'DataScientist', '--token-source', 'viewer']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--sub-like is required for viewer tokens/);
  const run = await roleport(['--config', config, 'aws', 'trust-policy', '--role-name', 'DataScientist', '--account', '111111111111', '--token-source', 'viewer', '--sub-like', '00u1alice']);
  assert.equal(run.code, 0, run.stderr);
  const statement = JSON.parse(run.stdout).Statement[0];
  assert.equal(statement.Principal.Federated, 'arn:aws:iam::111111111111:oidc-provider/idp.example.com');
  assert.deepEqual(statement.Condition, { StringEquals: { 'idp.example.com:aud': 'roleport-client' }, StringLike: { 'idp.example.com:sub': '00u1alice' } });
  assert.match(run.stderr, /^warning: viewer tokens are the IdP's own ID tokens: their sub names the user, not a role.*AWS cannot refuse a token of a session that does not hold DataScientist\.$/m);
  const bad = await roleport(['aws', 'trust-policy', '--role-name', 'R', '--token-source', 'idp']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--token-source idp: expected broker or viewer/);
});

test('trust-policy with a subject template that names no role warns; one whose role part cannot be pinned is refused', async () => {
  const unbound = join(dir, 'unbound.yaml');
  writeFileSync(unbound, 'tokens:\n  subjectTemplate: "user:{username}"\n');
  const run = await roleport(['--config', unbound, 'aws', 'trust-policy', '--role-name', 'R', '--account', '111122223333']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).Statement[0].Condition.StringLike['roleport.test/tenant:sub'], 'user:*');
  assert.match(run.stderr, /^warning: tokens\.subjectTemplate user:\{username\} names no role/m);
  const loose = join(dir, 'loose.yaml');
  writeFileSync(loose, 'tokens:\n  subjectTemplate: "{username}:{account_id}:{role_name}:{email}"\n');
  const refused = await roleport(['--config', loose, 'aws', 'trust-policy', '--role-name', 'R']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /at the start or the end/);
  assert.equal(refused.stdout, '');
});

test('trust-policy: CloudFormation and Terraform', async () => {
  const cfn = await roleport(['aws', 'trust-policy', '--role-name', 'ExecutionRole', '--format', 'cloudformation', '--max-session-duration', '43200']);
  assert.equal(cfn.code, 0, cfn.stderr);
  const template = parseYaml(cfn.stdout) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const role = template.Resources['ExecutionRole']!;
  assert.equal(role.Type, 'AWS::IAM::Role');
  assert.equal(role.Properties['MaxSessionDuration'], 43200);
  const statement = (role.Properties['AssumeRolePolicyDocument'] as { Statement: { Principal: unknown; Condition: { StringLike: Record<string, unknown> } }[] }).Statement[0]!;
  assert.deepEqual(statement.Principal, { Federated: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/roleport.test/tenant' } });
  // The role's own account, wherever the stack is deployed.
  assert.deepEqual(statement.Condition.StringLike['roleport.test/tenant:sub'], { 'Fn::Sub': 'user:*:role:${AWS::AccountId}:ExecutionRole' });
  const tf = await roleport(['aws', 'trust-policy', '--role-name', 'ExecutionRole', '--account', '111122223333', '--format', 'terraform']);
  assert.equal(tf.code, 0, tf.stderr);
  assert.match(tf.stdout, /resource "aws_iam_role" "execution_role" \{/);
  assert.match(tf.stdout, /assume_role_policy = jsonencode\(\{/);
  assert.match(tf.stdout, /"roleport\.test\/tenant:sub" = "user:\*:role:111122223333:ExecutionRole"/);
});

test('permission-set-policy: one Resource per account and role, in every format', async () => {
  const run = await roleport(['aws', 'permission-set-policy', '--accounts', '111111111111,222222222222', '--roles', 'ExecutionRole,ReadOnlyRole']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RoleportAssumeRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: [
          'arn:aws:iam::111111111111:role/ExecutionRole',
          'arn:aws:iam::111111111111:role/ReadOnlyRole',
          'arn:aws:iam::222222222222:role/ExecutionRole',
          'arn:aws:iam::222222222222:role/ReadOnlyRole',
        ],
      },
    ],
  });
  const cfn = await roleport(['aws', 'permission-set-policy', '--accounts', '111111111111', '--roles', 'ExecutionRole', '--format', 'cloudformation', '--name', 'DataScience']);
  const template = parseYaml(cfn.stdout) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  assert.equal(template.Resources['DataScience']!.Type, 'AWS::SSO::PermissionSet');
  assert.equal(template.Resources['DataScience']!.Properties['Name'], 'DataScience');
  const tf = await roleport(['aws', 'permission-set-policy', '--accounts', '111111111111', '--roles', 'ExecutionRole', '--format', 'terraform']);
  assert.match(tf.stdout, /resource "aws_ssoadmin_permission_set_inline_policy" "roleport_assume_roles"/);
});

test('bad values exit 2 naming the value, with nothing on stdout', async () => {
  const cases: [string[], RegExp][] = [
    [['aws', 'permission-set-policy', '--accounts', '111111111111,12345', '--roles', 'ExecutionRole'], /account id "12345": must be 12 digits/],
    [['aws', 'permission-set-policy', '--accounts', '111111111111', '--roles', 'ExecutionRole,Bad Role'], /role name "Bad Role"/],
    [['aws', 'permission-set-policy', '--accounts', '111111111111', '--roles', 'R', '--format', 'xml'], /--format xml: expected one of json, cloudformation, terraform/],
    [['aws', 'trust-policy', '--role-name', 'R', '--account', 'abc'], /--account "abc": must be 12 digits/],
    [['aws', 'trust-policy', '--role-name', 'x'.repeat(65)], /--role-name/],
    [['aws', 'trust-policy', '--role-name', 'R', '--sub-like', '*'], /would match every subject/],
    [['aws', 'trust-policy', '--role-name', 'R', '--issuer', 'not a url'], /issuer "not a url": not a URL/],
    [['aws', 'trust-policy', '--role-name', 'R', '--format', 'terraform', '--json'], /--json prints JSON/],
    [['aws', 'trust-policy', '--role-name', 'R', '--partition', 'mars'], /partition "mars"/],
    [['aws', 'trust-policy'], /required option '--role-name <name>'/],
  ];
  for (const [args, message] of cases) {
    const run = await roleport(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
    assert.equal(run.stdout, '', args.join(' '));
  }
});

test('the generated trust policy is what policy explain evaluates', async () => {
  const policy = await roleport(['aws', 'trust-policy', '--role-name', 'R', '--account', '111122223333', '--sub-like', 'user:alice']);
  const policyFile = join(dir, 'trust.json');
  writeFileSync(policyFile, policy.stdout);
  const now = Math.floor(Date.now() / 1000);
  const claimsFile = join(dir, 'claims.json');
  writeFileSync(claimsFile, JSON.stringify({ iss: ISSUER, sub: 'user:alice', aud: 'sts.amazonaws.com', iat: now, exp: now + 600 }));
  const run = await roleport(['policy', 'explain', '--policy', policyFile, '--claims', claimsFile, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).decision, 'allow');
});
