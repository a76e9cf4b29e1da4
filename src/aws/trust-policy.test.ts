import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleportError } from '../core/index.ts';
import { buildTrustPolicy, subjectPattern } from './trust-policy.ts';
import { oidcProviderArn, parseOidcProviderArn, providerPrefix } from '../iam/index.ts';

const base = { roleName: 'ExecutionRole', issuer: 'https://roleport.example.com', audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}:role:{account_id}:{role_name}' };

const isInputError = (pattern: RegExp) => (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && pattern.test(error.message);

test('the trust policy names the provider as Federated principal and conditions :aud and :sub, pinning the role in :sub', () => {
  const result = buildTrustPolicy({ ...base, account: '111122223333' });
  assert.deepEqual(result.policy, {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RoleportWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/roleport.example.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'roleport.example.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'roleport.example.com:sub': 'user:*:role:111122223333:ExecutionRole' },
        },
      },
    ],
  });
  assert.equal(result.accountPlaceholder, false);
  assert.deepEqual(result.roleBinding, { bound: true });
});

test('without --account the :sub pattern holds the account placeholder too', () => {
  const result = buildTrustPolicy(base);
  assert.deepEqual(result.subLike, ['user:*:role:ACCOUNT_ID:ExecutionRole']);
  assert.deepEqual(result.roleBinding, { bound: true });
});

test('--sub-like patterns that keep the role part bind; others are reported with the part they lack', () => {
  const bound = buildTrustPolicy({ ...base, account: '111122223333', subLike: ['user:alice:role:111122223333:ExecutionRole', 'user:b*:role:111122223333:ExecutionRole'] });
  assert.deepEqual(bound.roleBinding, { bound: true });
  const loose = buildTrustPolicy({ ...base, account: '111122223333', subLike: ['user:alice:role:111122223333:ExecutionRole', 'user:bob*'] });
  assert.deepEqual(loose.roleBinding, { bound: false, reason: '--sub-like user:bob* does not end with :role:111122223333:ExecutionRole: tokens minted for other roles match it' });
  // Without --account a pattern may name the account itself.
  assert.deepEqual(buildTrustPolicy({ ...base, subLike: ['user:alice:role:111122223333:ExecutionRole'] }).roleBinding, { bound: true });
  assert.equal(buildTrustPolicy({ ...base, subLike: ['user:alice:role:1111:ExecutionRole'] }).roleBinding.bound, false);
  const prefix = buildTrustPolicy({ ...base, account: '111122223333', subjectTemplate: 'role:{account_id}/{role_name}:user:{username}' });
  assert.deepEqual(prefix.subLike, ['role:111122223333/ExecutionRole:user:*']);
  assert.deepEqual(prefix.roleBinding, { bound: true });
});

test('a template that names no role gives an unbound policy, and says so', () => {
  const result = buildTrustPolicy({ ...base, subjectTemplate: 'user:{username}' });
  assert.deepEqual(result.subLike, ['user:*']);
  assert.equal(result.roleBinding.bound, false);
  assert.match((result.roleBinding as { reason: string }).reason, /names no role/);
});

test('viewer tokens (the IdP\'s own) need --sub-like and are never bound', () => {
  assert.throws(() => buildTrustPolicy({ ...base, tokenSource: 'viewer', issuer: 'https://idp.example.com' }), isInputError(/--sub-like is required for viewer tokens/));
  const result = buildTrustPolicy({ ...base, tokenSource: 'viewer', issuer: 'https://idp.example.com', audience: 'roleport-client', subLike: ['00u1alice'] });
  assert.equal(result.tokenSource, 'viewer');
  assert.equal(result.roleBinding.bound, false);
  assert.match((result.roleBinding as { reason: string }).reason, /IdP's own ID tokens/);
  assert.deepEqual(result.policy.Statement[0]!.Condition?.['StringLike'], { 'idp.example.com:sub': '00u1alice' });
});

test('a subject template whose role part a pattern cannot pin is refused', () => {
  assert.throws(() => buildTrustPolicy({ ...base, subjectTemplate: '{username}:{account_id}:{role_name}:{email}' }), isInputError(/tokens\.subjectTemplate .*at the start or the end/));
});

test('session tags and source identity add their actions; several sub patterns become a list', () => {
  const result = buildTrustPolicy({ ...base, sessionTags: true, sourceIdentity: true, subLike: ['user:alice', 'user:bob', 'user:alice'] });
  const statement = result.policy.Statement[0]!;
  assert.deepEqual(statement.Action, ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity']);
  assert.deepEqual(statement.Condition?.['StringLike'], { 'roleport.example.com:sub': ['user:alice', 'user:bob'] });
  assert.equal(result.providerArn, 'arn:aws:iam::ACCOUNT_ID:oidc-provider/roleport.example.com');
  assert.equal(result.accountPlaceholder, true);
});

test('the condition-key prefix keeps the issuer path and a dev port, without scheme or trailing slash', () => {
  assert.equal(providerPrefix('https://id.example.com/tenants/a/'), 'id.example.com/tenants/a');
  assert.equal(providerPrefix('http://127.0.0.1:8080'), '127.0.0.1:8080');
  const result = buildTrustPolicy({ ...base, issuer: 'https://id.example.com/tenants/a', account: '111122223333', partition: 'aws-us-gov' });
  assert.equal(result.providerArn, 'arn:aws-us-gov:iam::111122223333:oidc-provider/id.example.com/tenants/a');
  assert.ok('id.example.com/tenants/a:aud' in (result.policy.Statement[0]!.Condition?.['StringEquals'] ?? {}));
});

test('provider ARNs parse back, and malformed ones are refused', () => {
  const arn = oidcProviderArn('aws', '111122223333', providerPrefix('https://id.example.com/x'));
  assert.deepEqual(parseOidcProviderArn(arn), { arn, partition: 'aws', account: '111122223333', prefix: 'id.example.com/x' });
  for (const bad of ['arn:aws:iam::1234:oidc-provider/x', 'arn:aws:iam::111122223333:role/x', 'arn:aws:iam::111122223333:oidc-provider/', 'not-an-arn']) {
    assert.equal(parseOidcProviderArn(bad), undefined, bad);
  }
});

test('the :sub pattern fixes the given placeholders, turns the others into * and escapes literal wildcards', () => {
  assert.equal(subjectPattern('user:{username}'), 'user:*');
  assert.equal(subjectPattern('repo:{repository}:ref:{ref}'), 'repo:*:ref:*');
  assert.equal(subjectPattern('{username}{session_id}'), '*');
  assert.equal(subjectPattern('user:{username}:role:{account_id}:{role_name}', { account_id: '111122223333', role_name: 'Exec' }), 'user:*:role:111122223333:Exec');
  // IAM: ${*}, ${?} and ${$} are literal characters in Version 2012-10-17 (reference_policies_variables).
  assert.equal(subjectPattern('what?{username}*$'), 'what${?}*${*}${$}');
});

test('bad input is refused naming the value', () => {
  assert.throws(() => buildTrustPolicy({ ...base, roleName: 'has space' }), isInputError(/--role-name "has space"/));
  assert.throws(() => buildTrustPolicy({ ...base, roleName: 'x'.repeat(65) }), isInputError(/--role-name/));
  assert.throws(() => buildTrustPolicy({ ...base, account: '12345' }), isInputError(/--account "12345": must be 12 digits/));
  assert.throws(() => buildTrustPolicy({ ...base, subLike: ['*'] }), isInputError(/would match every subject/));
  assert.throws(() => buildTrustPolicy({ ...base, audience: '' }), isInputError(/--audience/));
  assert.throws(() => buildTrustPolicy({ ...base, issuer: 'ftp://x' }), isInputError(/https/));
  assert.throws(() => buildTrustPolicy({ ...base, issuer: 'https://x/?q=1' }), isInputError(/query/));
  assert.throws(() => buildTrustPolicy({ ...base, maxSessionDurationSeconds: 100 }), isInputError(/3600 to 43200/));
});
