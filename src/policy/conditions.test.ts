/**
 * Condition operators, set qualifiers, IfExists, Null and policy variables, one table per
 * rule of the IAM User Guide ("Condition operators", "Single-valued vs. multivalued context
 * keys", "Policy variables"). Each case evaluates a one-statement policy and checks the
 * condition's outcome and trace.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePolicy, parsePolicy, type ConditionTrace, type PolicyContext } from './index.ts';

type Value = string | number | boolean;

interface Case {
  readonly rule: string;
  readonly block: string;
  readonly key?: string;
  readonly expected: Value | readonly Value[];
  /** The request's value for the key; omitted = missing. */
  readonly actual?: string | readonly string[];
  readonly result: boolean;
}

const KEY = 'token.example.com:sub';

function evaluateCondition(
  condition: Record<string, Record<string, Value | readonly Value[]>>,
  context: PolicyContext,
  version: string = '2012-10-17',
): { matched: boolean; decision: string; traces: readonly ConditionTrace[] } {
  const policy = parsePolicy({
    Version: version,
    Statement: { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition },
  });
  const evaluation = evaluatePolicy(policy, { action: 'sts:AssumeRoleWithWebIdentity', context });
  const [statement] = evaluation.statements;
  assert.ok(statement !== undefined);
  return { matched: statement.conditionsMatched, decision: evaluation.decision, traces: statement.conditions };
}

function runTable(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    for (const testCase of cases) {
      const key = testCase.key ?? KEY;
      const shown = testCase.actual === undefined ? 'missing' : JSON.stringify(testCase.actual);
      it(`${testCase.block} ${JSON.stringify(testCase.expected)} vs ${shown} → ${testCase.result} (${testCase.rule})`, () => {
        const context: PolicyContext = testCase.actual === undefined ? {} : { [key]: testCase.actual };
        const { matched, decision, traces } = evaluateCondition({ [testCase.block]: { [key]: testCase.expected } }, context);
        assert.equal(matched, testCase.result);
        assert.equal(decision, testCase.result ? 'allow' : 'deny');
        const [trace] = traces;
        assert.ok(trace !== undefined);
        assert.equal(trace.matched, testCase.result);
        assert.equal(trace.block, testCase.block);
        assert.deepEqual(trace.actual, testCase.actual);
        const state = testCase.actual === undefined ? 'is missing' : testCase.actual.length === 0 ? 'is empty' : `(${testCase.block}`;
        assert.ok(trace.explanation.includes(state), `${JSON.stringify(trace.explanation)} should say ${JSON.stringify(state)}`);
      });
    }
  });
}

runTable('string operators (Conditions_String)', [
  { rule: 'StringEquals: exact match', block: 'StringEquals', expected: 'repo:org/app', actual: 'repo:org/app', result: true },
  { rule: 'StringEquals: values are case-sensitive', block: 'StringEquals', expected: 'repo:org/app', actual: 'Repo:org/app', result: false },
  { rule: 'StringEquals: no wildcards', block: 'StringEquals', expected: 'repo:*', actual: 'repo:org/app', result: false },
  { rule: 'StringEquals: several values are OR', block: 'StringEquals', expected: ['a', 'repo:org/app'], actual: 'repo:org/app', result: true },
  { rule: 'StringEquals: several values, none equal', block: 'StringEquals', expected: ['a', 'b'], actual: 'c', result: false },
  { rule: 'StringNotEquals: equal value fails', block: 'StringNotEquals', expected: 'a', actual: 'a', result: false },
  { rule: 'StringNotEquals: different value passes', block: 'StringNotEquals', expected: 'a', actual: 'b', result: true },
  { rule: 'StringNotEquals with several values: true when the value is none of them', block: 'StringNotEquals', expected: ['a', 'b'], actual: 'c', result: true },
  { rule: 'StringNotEquals with several values: false when the value is one of them', block: 'StringNotEquals', expected: ['a', 'b'], actual: 'b', result: false },
  { rule: 'StringEqualsIgnoreCase: case-insensitive', block: 'StringEqualsIgnoreCase', expected: 'Repo:ORG/App', actual: 'repo:org/app', result: true },
  { rule: 'StringEqualsIgnoreCase: still exact', block: 'StringEqualsIgnoreCase', expected: 'repo:org/app', actual: 'repo:org/apps', result: false },
  { rule: 'StringNotEqualsIgnoreCase: equal ignoring case fails', block: 'StringNotEqualsIgnoreCase', expected: 'ABC', actual: 'abc', result: false },
  { rule: 'StringNotEqualsIgnoreCase: different passes', block: 'StringNotEqualsIgnoreCase', expected: 'ABC', actual: 'abd', result: true },
  { rule: 'StringLike: "*" matches any run', block: 'StringLike', expected: 'repo:org/*', actual: 'repo:org/app:ref:main', result: true },
  { rule: 'StringLike: "*" matches the empty run', block: 'StringLike', expected: 'repo:org/*', actual: 'repo:org/', result: true },
  { rule: 'StringLike: "?" matches exactly one character', block: 'StringLike', expected: 'v?', actual: 'v1', result: true },
  { rule: 'StringLike: "?" does not match zero characters', block: 'StringLike', expected: 'v?', actual: 'v', result: false },
  { rule: 'StringLike: "?" does not match two characters', block: 'StringLike', expected: 'v?', actual: 'v10', result: false },
  { rule: 'StringLike: case-sensitive', block: 'StringLike', expected: 'repo:ORG/*', actual: 'repo:org/app', result: false },
  { rule: 'StringLike: several patterns are OR', block: 'StringLike', expected: ['x*', 'repo:*'], actual: 'repo:a', result: true },
  { rule: 'StringNotLike: a match fails', block: 'StringNotLike', expected: 'ci-*', actual: 'ci-42', result: false },
  { rule: 'StringNotLike: no match passes', block: 'StringNotLike', expected: 'ci-*', actual: 'dev-42', result: true },
  { rule: 'StringNotLike with several patterns must match none', block: 'StringNotLike', expected: ['ci-*', 'dev-*'], actual: 'dev-1', result: false },
]);

runTable('numeric operators (Conditions_Numeric)', [
  { rule: 'NumericEquals compares numbers, not strings', block: 'NumericEquals', expected: '10', actual: '10.0', result: true },
  { rule: 'NumericEquals: a JSON number policy value', block: 'NumericEquals', expected: 10, actual: '10', result: true },
  { rule: 'NumericEquals: a request value that is not a number never matches', block: 'NumericEquals', expected: 10, actual: 'ten', result: false },
  { rule: 'NumericNotEquals: equal fails', block: 'NumericNotEquals', expected: 10, actual: '10', result: false },
  { rule: 'NumericNotEquals: different passes', block: 'NumericNotEquals', expected: 10, actual: '11', result: true },
  { rule: 'NumericLessThan: below', block: 'NumericLessThan', expected: 3600, actual: '900', result: true },
  { rule: 'NumericLessThan: equal is not less', block: 'NumericLessThan', expected: 3600, actual: '3600', result: false },
  { rule: 'NumericLessThanEquals: equal', block: 'NumericLessThanEquals', expected: 3600, actual: '3600', result: true },
  { rule: 'NumericLessThanEquals: above', block: 'NumericLessThanEquals', expected: 3600, actual: '3601', result: false },
  { rule: 'NumericGreaterThan: above', block: 'NumericGreaterThan', expected: 1, actual: '2', result: true },
  { rule: 'NumericGreaterThan: equal is not greater', block: 'NumericGreaterThan', expected: 1, actual: '1', result: false },
  { rule: 'NumericGreaterThanEquals: equal', block: 'NumericGreaterThanEquals', expected: 1, actual: '1', result: true },
  { rule: 'NumericGreaterThanEquals: below', block: 'NumericGreaterThanEquals', expected: 1, actual: '0.5', result: false },
]);

runTable('date operators (Conditions_Date)', [
  { rule: 'DateLessThan: earlier', block: 'DateLessThan', key: 'aws:CurrentTime', expected: '2026-01-01T00:00:00Z', actual: '2025-12-31T23:59:59Z', result: true },
  { rule: 'DateLessThan: later', block: 'DateLessThan', key: 'aws:CurrentTime', expected: '2026-01-01T00:00:00Z', actual: '2026-01-01T00:00:01Z', result: false },
  { rule: 'DateLessThanEquals: same instant', block: 'DateLessThanEquals', key: 'aws:CurrentTime', expected: '2026-01-01T00:00:00Z', actual: '2026-01-01T00:00:00Z', result: true },
  { rule: 'DateGreaterThan: epoch seconds in the policy', block: 'DateGreaterThan', key: 'aws:CurrentTime', expected: '1767225600', actual: '2026-01-01T00:00:01Z', result: true },
  { rule: 'DateGreaterThanEquals: epoch seconds in the request', block: 'DateGreaterThanEquals', key: 'aws:EpochTime', expected: '2026-01-01T00:00:00Z', actual: '1767225599', result: false },
  { rule: 'DateEquals: a date alone is midnight UTC', block: 'DateEquals', key: 'aws:CurrentTime', expected: '2026-01-01', actual: '2026-01-01T00:00:00Z', result: true },
  { rule: 'DateEquals: offsets are honoured', block: 'DateEquals', key: 'aws:CurrentTime', expected: '2026-01-01T01:00:00+01:00', actual: '2026-01-01T00:00:00Z', result: true },
  { rule: 'DateNotEquals: another instant', block: 'DateNotEquals', key: 'aws:CurrentTime', expected: '2026-01-01T00:00:00Z', actual: '2026-01-02T00:00:00Z', result: true },
  { rule: 'DateLessThan: a request value that is not a date never matches', block: 'DateLessThan', key: 'aws:CurrentTime', expected: '2026-01-01', actual: 'soon', result: false },
]);

runTable('Bool, BinaryEquals, IpAddress and ARN operators', [
  { rule: 'Bool: "true"', block: 'Bool', key: 'aws:SecureTransport', expected: 'true', actual: 'true', result: true },
  { rule: 'Bool: a JSON boolean in the policy', block: 'Bool', key: 'aws:SecureTransport', expected: true, actual: 'true', result: true },
  { rule: 'Bool: mismatch', block: 'Bool', key: 'aws:SecureTransport', expected: false, actual: 'true', result: false },
  { rule: 'BinaryEquals: base64 values compare exactly', block: 'BinaryEquals', key: 'key', expected: 'QmluYXJ5VmFsdWU=', actual: 'QmluYXJ5VmFsdWU=', result: true },
  { rule: 'IpAddress: inside the CIDR block', block: 'IpAddress', key: 'aws:SourceIp', expected: '203.0.113.0/24', actual: '203.0.113.7', result: true },
  { rule: 'IpAddress: outside the CIDR block', block: 'IpAddress', key: 'aws:SourceIp', expected: '203.0.113.0/24', actual: '198.51.100.7', result: false },
  { rule: 'IpAddress: IPv6', block: 'IpAddress', key: 'aws:SourceIp', expected: ['203.0.113.0/24', '2001:db8::/32'], actual: '2001:db8::1', result: true },
  { rule: 'NotIpAddress: outside passes', block: 'NotIpAddress', key: 'aws:SourceIp', expected: '203.0.113.0/24', actual: '198.51.100.7', result: true },
  { rule: 'ArnLike: wildcards per segment', block: 'ArnLike', key: 'aws:PrincipalArn', expected: 'arn:aws:iam::*:role/ci-*', actual: 'arn:aws:iam::123456789012:role/ci-deploy', result: true },
  { rule: 'ArnEquals behaves like ArnLike', block: 'ArnEquals', key: 'aws:PrincipalArn', expected: 'arn:aws:iam::*:role/ci-*', actual: 'arn:aws:iam::123456789012:role/ci-deploy', result: true },
  { rule: 'ArnLike: a wildcard cannot span segments', block: 'ArnLike', key: 'aws:PrincipalArn', expected: 'arn:aws:*:role/ci-deploy', actual: 'arn:aws:iam::123456789012:role/ci-deploy', result: false },
  { rule: 'ArnLike: case-sensitive', block: 'ArnLike', key: 'aws:PrincipalArn', expected: 'arn:aws:iam::*:role/CI-*', actual: 'arn:aws:iam::123456789012:role/ci-deploy', result: false },
  { rule: 'ArnNotLike: a match fails', block: 'ArnNotLike', key: 'aws:PrincipalArn', expected: 'arn:aws:iam::*:role/ci-*', actual: 'arn:aws:iam::123456789012:role/ci-deploy', result: false },
  { rule: 'ArnNotEquals: no match passes', block: 'ArnNotEquals', key: 'aws:PrincipalArn', expected: 'arn:aws:iam::*:user/*', actual: 'arn:aws:iam::123456789012:role/ci-deploy', result: true },
]);

runTable('missing keys: false, except negated operators (Conditions_String "Important")', [
  { rule: 'StringEquals on a missing key is false', block: 'StringEquals', expected: 'a', result: false },
  { rule: 'StringLike on a missing key is false', block: 'StringLike', expected: '*', result: false },
  { rule: 'NumericEquals on a missing key is false', block: 'NumericEquals', expected: 1, result: false },
  { rule: 'Bool on a missing key is false', block: 'Bool', expected: 'false', result: false },
  { rule: 'ArnLike on a missing key is false', block: 'ArnLike', expected: 'arn:aws:iam::*:role/*', result: false },
  { rule: 'StringNotEquals on a missing key is true', block: 'StringNotEquals', expected: 'a', result: true },
  { rule: 'StringNotEqualsIgnoreCase on a missing key is true', block: 'StringNotEqualsIgnoreCase', expected: 'a', result: true },
  { rule: 'StringNotLike on a missing key is true', block: 'StringNotLike', expected: 'a*', result: true },
  { rule: 'NumericNotEquals on a missing key is true', block: 'NumericNotEquals', expected: 1, result: true },
  { rule: 'DateNotEquals on a missing key is true', block: 'DateNotEquals', expected: '2026-01-01', result: true },
  { rule: 'ArnNotLike on a missing key is true', block: 'ArnNotLike', expected: 'arn:aws:iam::*:role/*', result: true },
  { rule: 'ArnNotEquals on a missing key is true', block: 'ArnNotEquals', expected: 'arn:aws:iam::*:role/*', result: true },
  { rule: 'NotIpAddress on a missing key is true', block: 'NotIpAddress', expected: '10.0.0.0/8', result: true },
]);

runTable('...IfExists (Conditions_IfExists): true when the key is absent, else the operator decides', [
  { rule: 'StringEqualsIfExists: absent key', block: 'StringEqualsIfExists', key: 'sts:ExternalId', expected: 'x', result: true },
  { rule: 'StringEqualsIfExists: present and equal', block: 'StringEqualsIfExists', key: 'sts:ExternalId', expected: 'x', actual: 'x', result: true },
  { rule: 'StringEqualsIfExists: present and different', block: 'StringEqualsIfExists', key: 'sts:ExternalId', expected: 'x', actual: 'y', result: false },
  { rule: 'NumericLessThanIfExists: absent key', block: 'NumericLessThanIfExists', key: 'sts:DurationSeconds', expected: 3600, result: true },
  { rule: 'NumericLessThanIfExists: present and too large', block: 'NumericLessThanIfExists', key: 'sts:DurationSeconds', expected: 3600, actual: '7200', result: false },
  { rule: 'ArnLikeIfExists: absent key', block: 'ArnLikeIfExists', key: 'aws:SourceArn', expected: 'arn:aws:iam::*:role/*', result: true },
  { rule: 'ForAnyValue:StringLikeIfExists: absent key', block: 'ForAnyValue:StringLikeIfExists', key: 'aws:TagKeys', expected: 'team-*', result: true },
]);

runTable('Null (Conditions_Null): "true" = the key must be absent, "false" = present', [
  { rule: 'Null "true" with the key absent', block: 'Null', key: 'aws:TokenIssueTime', expected: 'true', result: true },
  { rule: 'Null "true" with the key present', block: 'Null', key: 'aws:TokenIssueTime', expected: 'true', actual: '2026-01-01T00:00:00Z', result: false },
  { rule: 'Null "false" with the key present', block: 'Null', key: 'aws:TokenIssueTime', expected: false, actual: '2026-01-01T00:00:00Z', result: true },
  { rule: 'Null "false" with the key absent', block: 'Null', key: 'aws:TokenIssueTime', expected: false, result: false },
  { rule: 'Null "true" with an empty multi-valued key (no values counts as absent)', block: 'Null', key: 'aws:TagKeys', expected: true, actual: [], result: true },
]);

runTable('set qualifiers (reference_policies_condition-single-vs-multi-valued-context-keys)', [
  { rule: 'ForAnyValue: one request value matching one policy value', block: 'ForAnyValue:StringEquals', key: 'token.example.com:amr', expected: ['mfa', 'hwk'], actual: ['pwd', 'mfa'], result: true },
  { rule: 'ForAnyValue: no request value matches', block: 'ForAnyValue:StringEquals', key: 'token.example.com:amr', expected: ['mfa'], actual: ['pwd', 'otp'], result: false },
  { rule: 'ForAnyValue: false when the key is missing', block: 'ForAnyValue:StringEquals', key: 'token.example.com:amr', expected: ['mfa'], result: false },
  { rule: 'ForAnyValue: false when the key has no values', block: 'ForAnyValue:StringEquals', key: 'token.example.com:amr', expected: ['mfa'], actual: [], result: false },
  { rule: 'ForAllValues: every request value is one of the policy values', block: 'ForAllValues:StringEquals', key: 'token.example.com:amr', expected: ['pwd', 'mfa', 'hwk'], actual: ['pwd', 'mfa'], result: true },
  { rule: 'ForAllValues: one request value outside the set fails', block: 'ForAllValues:StringEquals', key: 'token.example.com:amr', expected: ['pwd', 'mfa'], actual: ['pwd', 'sms'], result: false },
  { rule: 'ForAllValues: vacuously true when the key is missing', block: 'ForAllValues:StringEquals', key: 'token.example.com:amr', expected: ['mfa'], result: true },
  { rule: 'ForAllValues: vacuously true when the key has no values', block: 'ForAllValues:StringEquals', key: 'token.example.com:amr', expected: ['mfa'], actual: [], result: true },
  { rule: 'ForAllValues:StringLike: every value matches a pattern', block: 'ForAllValues:StringLike', key: 'aws:TagKeys', expected: 'Created*', actual: ['CreatedBy', 'CreatedAt'], result: true },
  { rule: 'ForAllValues:StringNotEquals: no request value may be a policy value', block: 'ForAllValues:StringNotEquals', key: 'aws:TagKeys', expected: ['DataClass', 'Owner'], actual: ['Dept', 'SIC'], result: true },
  { rule: 'ForAllValues:StringNotEquals: one forbidden value fails', block: 'ForAllValues:StringNotEquals', key: 'aws:TagKeys', expected: ['DataClass', 'Owner'], actual: ['Dept', 'DataClass'], result: false },
  { rule: 'ForAnyValue:StringNotEquals: one value outside the set suffices', block: 'ForAnyValue:StringNotEquals', key: 'aws:TagKeys', expected: ['DataClass', 'Owner'], actual: ['DataClass', 'Dept'], result: true },
  { rule: 'ForAnyValue:StringNotEquals: all values inside the set fails', block: 'ForAnyValue:StringNotEquals', key: 'aws:TagKeys', expected: ['DataClass', 'Owner'], actual: ['DataClass', 'Owner'], result: false },
  { rule: 'ForAnyValue:StringNotEquals: a missing key is false, negated or not', block: 'ForAnyValue:StringNotEquals', key: 'aws:TagKeys', expected: ['DataClass'], result: false },
  { rule: 'ForAnyValue:ArnLike on several ARNs', block: 'ForAnyValue:ArnLike', key: 'logs:LogGeneratingResourceArns', expected: 'arn:aws:ec2:*:*:instance/*', actual: ['arn:aws:iam::1:role/x', 'arn:aws:ec2:us-east-1:1:instance/i-1'], result: true },
  { rule: 'ForAllValues:NumericLessThan on several numbers', block: 'ForAllValues:NumericLessThan', key: 'k', expected: 10, actual: ['1', '9'], result: true },
]);

runTable('a single-valued operator on a multi-valued request value (our documented choice: any value for positive operators, none for negated)', [
  { rule: 'StringEquals is true when any request value equals', block: 'StringEquals', key: 'token.example.com:amr', expected: 'mfa', actual: ['pwd', 'mfa'], result: true },
  { rule: 'StringEquals is false when no request value equals', block: 'StringEquals', key: 'token.example.com:amr', expected: 'mfa', actual: ['pwd', 'otp'], result: false },
  { rule: 'StringNotEquals is false when any request value equals', block: 'StringNotEquals', key: 'token.example.com:amr', expected: 'mfa', actual: ['pwd', 'mfa'], result: false },
  { rule: 'StringNotEquals is true when no request value equals', block: 'StringNotEquals', key: 'token.example.com:amr', expected: 'mfa', actual: ['pwd', 'otp'], result: true },
]);

describe('combining conditions (reference_policies_elements_condition: values OR, keys and operators AND)', () => {
  const condition = {
    StringEquals: { 'token.example.com:aud': ['sts.amazonaws.com', 'roleport'], 'token.example.com:azp': 'web' },
    StringLike: { 'token.example.com:sub': 'user:*' },
  };
  const full = { 'token.example.com:aud': 'roleport', 'token.example.com:azp': 'web', 'token.example.com:sub': 'user:ada' };
  const cases: [name: string, context: PolicyContext, expected: boolean, failing: readonly string[]][] = [
    ['all keys match (the second aud value counts: values are OR)', full, true, []],
    ['one key of the same operator fails (keys are AND)', { ...full, 'token.example.com:azp': 'cli' }, false, ['token.example.com:azp']],
    ['the other operator fails (operators are AND)', { ...full, 'token.example.com:sub': 'content:1' }, false, ['token.example.com:sub']],
    ['a key missing fails its condition only', { 'token.example.com:aud': 'roleport', 'token.example.com:sub': 'user:ada' }, false, ['token.example.com:azp']],
  ];
  for (const [name, context, expected, failing] of cases) {
    it(name, () => {
      const { matched, traces } = evaluateCondition(condition, context);
      assert.equal(matched, expected);
      assert.equal(traces.length, 3);
      assert.deepEqual(
        traces.filter((trace) => !trace.matched).map((trace) => trace.key),
        failing,
      );
    });
  }
});

describe('key names are case-insensitive, values follow the operator (reference_policies_elements_condition)', () => {
  it('finds the key whatever the case of the policy or the request', () => {
    assert.equal(evaluateCondition({ StringEquals: { 'Token.Example.COM:Aud': 'sts.amazonaws.com' } }, { 'token.example.com:aud': 'sts.amazonaws.com' }).matched, true);
    assert.equal(evaluateCondition({ StringEquals: { 'sts:roleSessionName': 'ada' } }, { 'STS:RoleSessionName': 'ada' }).matched, true);
  });

  it('keeps StringEquals values case-sensitive while the key is not', () => {
    const { matched, traces } = evaluateCondition({ StringEquals: { 'TOKEN.example.com:aud': 'STS.amazonaws.com' } }, { 'token.example.com:aud': 'sts.amazonaws.com' });
    assert.equal(matched, false);
    assert.equal(traces[0]?.explanation, 'TOKEN.example.com:aud is "sts.amazonaws.com", expected one of ["STS.amazonaws.com"] (StringEquals)');
  });
});

describe('explanations', () => {
  const cases: [name: string, condition: Record<string, Record<string, Value | Value[]>>, context: PolicyContext, explanation: string][] = [
    [
      'StringEquals mismatch',
      { StringEquals: { 'sts.example.com:aud': 'sts.amazonaws.com' } },
      { 'sts.example.com:aud': 'abc' },
      'sts.example.com:aud is "abc", expected one of ["sts.amazonaws.com"] (StringEquals)',
    ],
    [
      'ForAllValues on a missing key',
      { 'ForAllValues:StringEquals': { 'token.example.com:amr': 'mfa' } },
      {},
      'key token.example.com:amr is missing: ForAllValues is vacuously true',
    ],
    [
      'negated operator with several values',
      { StringNotEquals: { 'sts:RoleSessionName': ['root', 'admin'] } },
      { 'sts:RoleSessionName': 'admin' },
      'sts:RoleSessionName is "admin", expected none of ["root","admin"] (StringNotEquals)',
    ],
    [
      'ForAnyValue',
      { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'team-*' } },
      { 'aws:TagKeys': ['cost', 'team-a'] },
      'aws:TagKeys is ["cost","team-a"], expected at least one value to match one of ["team-*"] (ForAnyValue:StringLike)',
    ],
    ['Null', { Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': 'x' }, 'key aws:TokenIssueTime is present ("x"), expected it to be absent (Null ["true"])'],
    ['IfExists', { StringEqualsIfExists: { 'sts:ExternalId': 'x' } }, {}, 'key sts:ExternalId is missing: StringEqualsIfExists is true'],
    [
      'negated operator on a missing key',
      { StringNotLike: { 'sts:RoleSessionName': 'x*' } },
      {},
      'key sts:RoleSessionName is missing: StringNotLike is true (a negated operator matches an absent key)',
    ],
  ];
  for (const [name, condition, context, explanation] of cases) {
    it(name, () => {
      assert.equal(evaluateCondition(condition, context).traces[0]?.explanation, explanation);
    });
  }
});

describe('policy variables (reference_policies_variables)', () => {
  it('substitutes ${key} from the request context under Version 2012-10-17', () => {
    const condition = { StringLike: { 's3:prefix': 'home/${aws:username}/*' } };
    const allowed = evaluateCondition(condition, { 'aws:username': 'ada', 's3:prefix': 'home/ada/notes' });
    assert.equal(allowed.matched, true);
    assert.deepEqual(allowed.traces[0]?.expected, ['home/ada/*']);
    assert.equal(evaluateCondition(condition, { 'aws:username': 'ada', 's3:prefix': 'home/bob/notes' }).matched, false);
  });

  it('looks variables up case-insensitively, like condition keys', () => {
    assert.equal(evaluateCondition({ StringEquals: { 'sts:RoleSessionName': '${AWS:UserName}' } }, { 'aws:username': 'ada', 'sts:RoleSessionName': 'ada' }).matched, true);
  });

  it('treats ${...} as text under Version 2008-10-17', () => {
    const condition = { StringLike: { 's3:prefix': 'home/${aws:username}/*' } };
    assert.equal(evaluateCondition(condition, { 'aws:username': 'ada', 's3:prefix': 'home/ada/x' }, '2008-10-17').matched, false);
    assert.equal(evaluateCondition(condition, { 's3:prefix': 'home/${aws:username}/x' }, '2008-10-17').matched, true);
  });

  const escapes: [name: string, pattern: string, value: string, expected: boolean][] = [
    ['${*} is a literal "*"', 'a${*}b', 'a*b', true],
    ['${*} is not a wildcard', 'a${*}b', 'axb', false],
    ['${?} is a literal "?"', 'what${?}', 'what?', true],
    ['${?} is not a wildcard', 'what${?}', 'whats', false],
    ['${$} is a literal "$"', 'cost${$}*', 'cost$5', true],
  ];
  for (const [name, pattern, value, expected] of escapes) {
    it(`StringLike: ${name}`, () => {
      assert.equal(evaluateCondition({ StringLike: { 'aws:userid': pattern } }, { 'aws:userid': value }).matched, expected);
    });
  }

  it('StringEquals: ${*} compares as "*"', () => {
    assert.equal(evaluateCondition({ StringEquals: { k: 'a${*}' } }, { k: 'a*' }).matched, true);
  });

  it('keeps a substituted value literal: a "*" in the context is not a wildcard', () => {
    const condition = { StringLike: { 's3:prefix': 'home/${aws:username}' } };
    assert.equal(evaluateCondition(condition, { 'aws:username': '*', 's3:prefix': 'home/ada' }).matched, false);
    assert.equal(evaluateCondition(condition, { 'aws:username': '*', 's3:prefix': 'home/*' }).matched, true);
  });

  it("uses the default of ${key, 'default'} when the key is missing", () => {
    assert.equal(evaluateCondition({ StringEquals: { k: "${aws:username, 'guest'}" } }, { k: 'guest' }).matched, true);
  });

  it('makes the condition false when a variable cannot be resolved, and says why', () => {
    const { matched, traces } = evaluateCondition({ StringNotEquals: { k: '${aws:username}' } }, { k: 'x' });
    assert.equal(matched, false);
    assert.equal(traces[0]?.explanation, 'k is "x", but policy variable ${aws:username} has no value in the request context: the condition is false (StringNotEquals)');
  });

  it('reuses the compiled matcher for repeated values and recompiles for new ones', () => {
    const policy = parsePolicy({
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 'sts:*', Condition: { StringLike: { 's3:prefix': '${aws:username}/*' } } },
    });
    const decide = (username: string, prefix: string): string =>
      evaluatePolicy(policy, { action: 'sts:AssumeRole', context: { 'aws:username': username, 's3:prefix': prefix } }).decision;
    assert.equal(decide('ada', 'ada/1'), 'allow');
    assert.equal(decide('ada', 'ada/2'), 'allow');
    assert.equal(decide('bob', 'ada/1'), 'deny');
    assert.equal(decide('bob', 'bob/1'), 'allow');
  });
});
