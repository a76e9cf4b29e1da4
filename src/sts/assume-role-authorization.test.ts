import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy, formatEvaluation, parsePolicy } from '../policy/index.ts';
import { assumeRoleDenialMessage, authorizeAssumeRole, formatAssumeRoleDecision, type AssumeRoleCallerView } from './assume-role-authorization.ts';
import { createTrustPolicyEngine } from './trust.ts';

/**
 * The same-account / cross-account table of IAM's evaluation logic for role trust policies,
 * decided by the real policy engine.
 */
const engine = createTrustPolicyEngine({ parsePolicy, evaluatePolicy, formatEvaluation: (evaluation) => formatEvaluation(evaluation) });

const USER: AssumeRoleCallerView = { arn: 'arn:aws:iam::111111111111:user/alice', account: '111111111111', partition: 'aws' };
const SSO_ROLE = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_DataScientist_0123456789abcdef';
const SSO_SESSION: AssumeRoleCallerView = {
  arn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice',
  account: '111111111111',
  partition: 'aws',
  roleArn: SSO_ROLE,
};
const SAME = { arn: 'arn:aws:iam::111111111111:role/ExecutionRole', account: '111111111111' };
const OTHER = { arn: 'arn:aws:iam::222222222222:role/ExecutionRole', account: '222222222222' };

const trust = (principal: unknown, extra: object = {}) =>
  engine.parseTrustPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Trust', Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra }] }));
const identity = (statements: object[]) => ({ name: 'inline', document: engine.parseIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements })) });
const allowAssume = (resource: string | string[]) => identity([{ Sid: 'Assume', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resource }]);

function decide(caller: AssumeRoleCallerView, role: { arn: string; account: string }, trustPolicy: ReturnType<typeof trust>, identityPolicies: ReturnType<typeof identity>[], context: Record<string, string> = {}) {
  return authorizeAssumeRole(engine, { action: 'sts:AssumeRole', caller, role, trustPolicy, identityPolicies, context });
}

test('same account: a trust policy naming the caller by ARN is enough; naming the account needs an identity policy too', () => {
  const byArn = decide(USER, SAME, trust({ AWS: USER.arn }), []);
  assert.deepEqual([byArn.decision, byArn.reason, byArn.decidedBy, byArn.trustNamesCaller], ['allow', 'allowed-by-trust-policy', 'trust-policy', true]);

  for (const account of ['111111111111', 'arn:aws:iam::111111111111:root']) {
    const byAccount = decide(USER, SAME, trust({ AWS: account }), []);
    assert.deepEqual([byAccount.decision, byAccount.reason, byAccount.decidedBy], ['deny', 'identity-implicit-deny', 'identity-policies'], account);
    assert.match(byAccount.summary, /trusts the caller's account, not the caller by ARN .* the caller has no identity policy/);
    const withIdentity = decide(USER, SAME, trust({ AWS: account }), [allowAssume(SAME.arn)]);
    assert.deepEqual([withIdentity.decision, withIdentity.reason, withIdentity.decidedBy], ['allow', 'allowed', 'both'], account);
  }
});

test('cross-account: the trust policy and an identity policy must both allow, even when the trust policy names the caller', () => {
  const trustOnly = decide(USER, OTHER, trust({ AWS: USER.arn }), []);
  assert.deepEqual([trustOnly.decision, trustOnly.reason, trustOnly.crossAccount], ['deny', 'identity-implicit-deny', true]);
  assert.match(trustOnly.summary, /^cross-account \(caller in 111111111111, role in 222222222222\)/);
  const wrongResource = decide(USER, OTHER, trust({ AWS: '111111111111' }), [allowAssume(SAME.arn)]);
  assert.equal(wrongResource.reason, 'identity-implicit-deny');
  const both = decide(USER, OTHER, trust({ AWS: '111111111111' }), [allowAssume(OTHER.arn)]);
  assert.deepEqual([both.decision, both.reason], ['allow', 'allowed']);
  const identityOnly = decide(USER, OTHER, trust({ AWS: '999999999999' }), [allowAssume(OTHER.arn)]);
  assert.deepEqual([identityOnly.decision, identityOnly.reason, identityOnly.decidedBy], ['deny', 'trust-implicit-deny', 'trust-policy']);
});

test('the trust policy must always allow: an identity policy alone never does, in the same account either', () => {
  const result = decide(USER, SAME, trust({ AWS: 'arn:aws:iam::111111111111:user/bob' }), [allowAssume('*')]);
  assert.deepEqual([result.decision, result.reason], ['deny', 'trust-implicit-deny']);
});

test('an explicit Deny in either policy wins', () => {
  const identityDeny = decide(USER, SAME, trust({ AWS: USER.arn }), [identity([{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }, { Sid: 'NoExec', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/Exec*' }])]);
  assert.deepEqual([identityDeny.decision, identityDeny.reason, identityDeny.decidedBy], ['deny', 'identity-explicit-deny', 'identity-policies']);
  assert.match(identityDeny.summary, /explicit deny in identity policy inline \(statement 1 "NoExec"\)/);

  const trustDeny = engine.parseTrustPolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: USER.arn }, Action: 'sts:AssumeRole' },
        { Sid: 'NotAlice', Effect: 'Deny', Principal: { AWS: USER.arn }, Action: 'sts:AssumeRole' },
      ],
    }),
  );
  const result = decide(USER, SAME, trustDeny, [allowAssume('*')]);
  assert.deepEqual([result.decision, result.reason, result.decidedBy], ['deny', 'trust-explicit-deny', 'trust-policy']);
});

test('a permission set session: the role ARN with its path in Principal names it; a PrincipalArn pattern under :root does not', () => {
  const byRole = decide(SSO_SESSION, SAME, trust({ AWS: SSO_ROLE }), []);
  assert.deepEqual([byRole.decision, byRole.reason], ['allow', 'allowed-by-trust-policy']);
  const pattern = { Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_DataScientist_*' } } };
  const context = { 'aws:PrincipalArn': SSO_ROLE };
  const delegated = decide(SSO_SESSION, SAME, trust({ AWS: 'arn:aws:iam::111111111111:root' }, pattern), [], context);
  assert.equal(delegated.reason, 'identity-implicit-deny');
  const allowed = decide(SSO_SESSION, OTHER, trust({ AWS: 'arn:aws:iam::111111111111:root' }, pattern), [allowAssume(['arn:aws:iam::222222222222:role/ExecutionRole'])], context);
  assert.equal(allowed.reason, 'allowed');
  const otherSet = decide(SSO_SESSION, SAME, trust({ AWS: 'arn:aws:iam::111111111111:root' }, pattern), [allowAssume('*')], { 'aws:PrincipalArn': SSO_ROLE.replace('DataScientist', 'Admin') });
  assert.equal(otherSet.reason, 'trust-implicit-deny');
});

test('"*" as Principal counts as naming the caller in the same account; across accounts the identity policy still must allow', () => {
  assert.equal(decide(USER, SAME, trust('*'), []).reason, 'allowed-by-trust-policy');
  assert.equal(decide(USER, SAME, trust({ AWS: '*' }), []).reason, 'allowed-by-trust-policy');
  assert.equal(decide(USER, OTHER, trust({ AWS: '*' }), []).reason, 'identity-implicit-deny');
});

test('Resource wildcards and NotResource in identity policies', () => {
  const wildcard = allowAssume('arn:aws:iam::*:role/Execution*');
  assert.equal(decide(USER, OTHER, trust({ AWS: '111111111111' }), [wildcard]).decision, 'allow');
  assert.equal(decide(USER, { arn: 'arn:aws:iam::222222222222:role/ReadOnlyRole', account: '222222222222' }, trust({ AWS: '111111111111' }), [wildcard]).decision, 'deny');
  const notAdmin = identity([{ Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: 'arn:aws:iam::*:role/Admin*' }]);
  assert.equal(decide(USER, OTHER, trust({ AWS: '111111111111' }), [notAdmin]).decision, 'allow');
  assert.equal(decide(USER, { arn: 'arn:aws:iam::222222222222:role/AdminRole', account: '222222222222' }, trust({ AWS: '111111111111' }), [notAdmin]).decision, 'deny');
});

test('identity policies refuse Principal and require Resource, as IAM does when they are saved', () => {
  assert.throws(() => engine.parseIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }] })), /Statement\[0\]: has prohibited field Principal/);
  assert.throws(() => engine.parseIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] })), /Statement\[0\]: missing required field Resource/);
});

test("AWS's words for a refusal, and the trace for people", () => {
  assert.equal(
    assumeRoleDenialMessage(USER.arn, 'sts:AssumeRole', OTHER.arn),
    'User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/ExecutionRole',
  );
  const text = formatAssumeRoleDecision(decide(USER, OTHER, trust({ AWS: '111111111111' }), [allowAssume(SAME.arn)]), (evaluation) => formatEvaluation(evaluation));
  assert.match(text, /^sts:AssumeRole: DENY — cross-account/);
  assert.match(text, /Identity policies: DENY \(implicit: no identity policy allows the request\)\n  inline: DENY/);
  assert.match(text, /Trust policy: ALLOW \(allowed by statement 0 "Trust"\)/);
});
