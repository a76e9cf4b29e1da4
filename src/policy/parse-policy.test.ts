import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoleportError } from '../core/index.ts';
import { compilePolicy, evaluatePolicy, parsePolicy, type PolicyDocument } from './index.ts';

const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.example.com';

function statement(extra: Record<string, unknown>): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', ...extra }] };
}

describe('parsePolicy normalizes (reference_policies_elements)', () => {
  it('turns single values into arrays and condition numbers and booleans into strings', () => {
    const policy = parsePolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Id: 'trust',
        Statement: {
          Sid: 'Ci',
          Effect: 'Allow',
          Principal: { Federated: PROVIDER, AWS: ['123456789012'] },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { NumericLessThan: { 'sts:DurationSeconds': 3600 }, Bool: { 'aws:SecureTransport': true }, StringEquals: { k: ['a', 1] } },
        },
      }),
    );
    assert.deepEqual(policy, {
      version: '2012-10-17',
      id: 'trust',
      statements: [
        {
          sid: 'Ci',
          effect: 'Allow',
          principal: { federated: [PROVIDER], aws: ['123456789012'] },
          notPrincipal: undefined,
          action: ['sts:AssumeRoleWithWebIdentity'],
          notAction: undefined,
          resource: undefined,
          notResource: undefined,
          conditions: [
            { block: 'NumericLessThan', operator: 'NumericLessThan', qualifier: undefined, ifExists: false, key: 'sts:DurationSeconds', values: ['3600'] },
            { block: 'Bool', operator: 'Bool', qualifier: undefined, ifExists: false, key: 'aws:SecureTransport', values: ['true'] },
            { block: 'StringEquals', operator: 'StringEquals', qualifier: undefined, ifExists: false, key: 'k', values: ['a', '1'] },
          ],
        },
      ],
    });
  });

  it('splits qualifier, operator and IfExists', () => {
    const policy = parsePolicy(statement({ Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'team-*' } } }));
    const [condition] = policy.statements[0]?.conditions ?? [];
    assert.deepEqual(condition, {
      block: 'ForAnyValue:StringLikeIfExists',
      operator: 'StringLike',
      qualifier: 'ForAnyValue',
      ifExists: true,
      key: 'aws:TagKeys',
      values: ['team-*'],
    });
  });

  it('defaults Version to 2008-10-17, as IAM does', () => {
    assert.equal(parsePolicy({ Statement: { Effect: 'Deny', Action: '*' } }).version, '2008-10-17');
  });

  it('returns a frozen document', () => {
    const policy = parsePolicy(statement({}));
    assert.equal(Object.isFrozen(policy), true);
    assert.equal(Object.isFrozen(policy.statements[0]?.action), true);
  });
});

describe('parsePolicy rejects malformed policies with the offending element (ERR_POLICY_MALFORMED)', () => {
  const cases: [name: string, input: unknown, message: string][] = [
    ['invalid JSON', '{"Statement": [', 'policy is not valid JSON'],
    ['not an object', '[]', 'policy must be a JSON object'],
    ['unknown top-level element', { Version: '2012-10-17', Statement: [], Foo: 1 }, 'Foo: unknown top-level element'],
    ['misspelled top-level element', { Version: '2012-10-17', statement: [] }, 'statement: unknown top-level element (did you mean "Statement"?)'],
    ['unknown Version', { Version: '2012-10-18', Statement: [] }, 'Version must be "2012-10-17" or "2008-10-17"'],
    ['Id not a string', { Id: 1, Statement: [] }, 'Id must be a string'],
    ['missing Statement', { Version: '2012-10-17' }, 'Statement is required'],
    ['empty Statement', { Version: '2012-10-17', Statement: [] }, 'Statement must not be empty'],
    ['Statement not an object', { Statement: 'x' }, 'Statement must be an object or an array of objects'],
    ['statement not an object', { Statement: [1] }, 'Statement[0] must be an object'],
    [
      'bad Effect in the second statement',
      { Statement: [{ Effect: 'Allow', Action: '*' }, { Effect: 'allow', Action: '*' }] },
      'Statement[1].Effect must be "Allow" or "Deny"',
    ],
    ['missing Effect', { Statement: [{ Action: '*' }] }, 'Statement[0].Effect is required'],
    ['unknown statement element', { Statement: [{ Effect: 'Allow', Action: '*', Actions: 'x' }] }, 'Statement[0].Actions: unknown statement element'],
    ['misspelled statement element', { Statement: [{ Effect: 'Allow', action: '*' }] }, 'Statement[0].action: unknown statement element (did you mean "Action"?)'],
    ['both Action and NotAction', { Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'sts:TagSession' }] }, 'Statement[0]: Action and NotAction cannot both be present'],
    ['neither Action nor NotAction', { Statement: [{ Effect: 'Allow' }] }, 'Statement[0] must have Action or NotAction'],
    ['both Principal and NotPrincipal', { Statement: [{ Effect: 'Deny', Action: '*', Principal: '*', NotPrincipal: '*' }] }, 'Statement[0]: Principal and NotPrincipal cannot both be present'],
    ['both Resource and NotResource', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', NotResource: '*' }] }, 'Statement[0]: Resource and NotResource cannot both be present'],
    ['empty Action array', { Statement: [{ Effect: 'Allow', Action: [] }] }, 'Statement[0].Action must not be empty'],
    ['Action item not a string', { Statement: [{ Effect: 'Allow', Action: ['sts:TagSession', 3] }] }, 'Statement[0].Action[1] must be a string'],
    ['Action without a service prefix', { Statement: [{ Effect: 'Allow', Action: 'AssumeRole' }] }, 'Statement[0].Action[0]: "AssumeRole" is not an action (expected "service:Action" or "*")'],
    ['Sid not a string', { Statement: [{ Sid: 1, Effect: 'Allow', Action: '*' }] }, 'Statement[0].Sid must be a string'],
    [
      'duplicate Sid',
      { Statement: [{ Sid: 'A', Effect: 'Allow', Action: '*' }, { Sid: 'A', Effect: 'Deny', Action: '*' }] },
      'Statement[1].Sid "A" repeats Statement[0].Sid',
    ],
    ['Principal of the wrong type', { Statement: [{ Effect: 'Allow', Action: '*', Principal: 'someone' }] }, 'Statement[0].Principal must be "*" or an object with AWS, Federated or Service'],
    ['unknown principal type', { Statement: [{ Effect: 'Allow', Action: '*', Principal: { Users: 'x' } }] }, 'Statement[0].Principal.Users: unknown principal type (expected AWS, Federated or Service)'],
    ['empty principal object', { Statement: [{ Effect: 'Allow', Action: '*', Principal: {} }] }, 'Statement[0].Principal must name at least one principal'],
    [
      'partial wildcard in a federated principal',
      { Statement: [{ Effect: 'Allow', Action: '*', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/*' } }] },
      'Statement[0].Principal.Federated[0]: "arn:aws:iam::123456789012:oidc-provider/*" uses a wildcard; principals allow "*" only on its own',
    ],
    [
      'AWS principal that is neither an account nor an ARN',
      { Statement: [{ Effect: 'Allow', Action: '*', Principal: { AWS: ['123456789012', 'alice'] } }] },
      'Statement[0].Principal.AWS[1]: "alice" is not "*", a 12-digit account ID or a principal ARN',
    ],
    ['Condition not an object', { Statement: [{ Effect: 'Allow', Action: '*', Condition: [] }] }, 'Statement[0].Condition must be an object of condition operators'],
    ['unknown condition operator', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { StringLikee: { k: 'v' } } }] }, 'Statement[0].Condition.StringLikee: unknown condition operator'],
    [
      'unknown operator behind a qualifier',
      { Statement: [{ Effect: 'Allow', Action: '*', Condition: { 'ForAnyValues:StringLike': { k: 'v' } } }] },
      'Statement[0].Condition.ForAnyValues:StringLike: unknown condition operator',
    ],
    ['operator names are case-sensitive', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { stringequals: { k: 'v' } } }] }, 'Statement[0].Condition.stringequals: unknown condition operator'],
    ['NullIfExists', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { NullIfExists: { k: 'true' } } }] }, 'Statement[0].Condition.NullIfExists: Null cannot take the IfExists suffix'],
    ['a qualifier on Null', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { 'ForAllValues:Null': { k: 'true' } } }] }, 'Statement[0].Condition.ForAllValues:Null: Null cannot take a ForAllValues: qualifier'],
    ['operator block not an object', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { StringEquals: 'v' } } ] }, 'Statement[0].Condition.StringEquals must be an object of condition keys'],
    ['empty operator block', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { StringEquals: {} } }] }, 'Statement[0].Condition.StringEquals must not be empty'],
    ['empty value list', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { StringEquals: { 'a:b': [] } } }] }, 'Statement[0].Condition.StringEquals["a:b"] must not be empty'],
    [
      'a null condition value',
      { Statement: [{ Effect: 'Allow', Action: '*', Condition: { StringEquals: { 'token.example.com:aud': ['x', null] } } }] },
      'Statement[0].Condition.StringEquals["token.example.com:aud"][1] must be a string, number or boolean',
    ],
    [
      'a numeric operator with a non-number',
      { Statement: [{ Effect: 'Allow', Action: '*', Condition: { NumericLessThan: { 'sts:DurationSeconds': ['10', 'ten'] } } }] },
      'Statement[0].Condition.NumericLessThan["sts:DurationSeconds"][1]: "ten" is not a number (NumericLessThan)',
    ],
    [
      'a date operator with a non-date',
      { Statement: [{ Effect: 'Allow', Action: '*', Condition: { DateLessThan: { 'aws:CurrentTime': 'tomorrow' } } }] },
      'Statement[0].Condition.DateLessThan["aws:CurrentTime"]: "tomorrow" is not a date (ISO 8601 or epoch seconds) (DateLessThan)',
    ],
    ['Bool with a non-boolean', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }] }, 'Statement[0].Condition.Bool["aws:SecureTransport"]: "yes" is not true or false (Bool)'],
    ['Null with a non-boolean', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { Null: { k: 'absent' } } }] }, 'Statement[0].Condition.Null["k"]: "absent" is not true or false (Null)'],
    ['IpAddress with a bad block', { Statement: [{ Effect: 'Allow', Action: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/40' } } }] }, 'Statement[0].Condition.IpAddress["aws:SourceIp"]: "10.0.0.0/40" is not an IP address or CIDR block (IpAddress)'],
  ];
  for (const [name, input, message] of cases) {
    it(`${name}: ${message}`, () => {
      assert.throws(
        () => parsePolicy(input),
        (error: unknown) => {
          assert.ok(error instanceof RoleportError);
          assert.equal(error.code, 'ERR_POLICY_MALFORMED');
          assert.equal(error.status, 400);
          assert.ok(error.message.startsWith(message), `${JSON.stringify(error.message)} should start with ${JSON.stringify(message)}`);
          return true;
        },
      );
    });
  }
});

describe('compilePolicy', () => {
  it('returns the cached compilation of a parsed document', () => {
    const policy = parsePolicy(statement({}));
    assert.equal(compilePolicy(policy), compilePolicy(policy));
    assert.equal(compilePolicy(policy).document, policy);
  });

  it('compiles and checks a hand-built document', () => {
    const document: PolicyDocument = {
      version: '2012-10-17',
      id: undefined,
      statements: [
        {
          sid: undefined,
          effect: 'Allow',
          principal: { federated: [PROVIDER] },
          notPrincipal: undefined,
          action: ['sts:AssumeRoleWithWebIdentity'],
          notAction: undefined,
          resource: undefined,
          notResource: undefined,
          conditions: [{ block: 'StringEquals', operator: 'StringEquals', qualifier: undefined, ifExists: false, key: 'token.example.com:aud', values: ['sts.amazonaws.com'] }],
        },
      ],
    };
    const compiled = compilePolicy(document);
    const request = {
      action: 'sts:AssumeRoleWithWebIdentity',
      principal: { federated: PROVIDER },
      context: { 'token.example.com:aud': 'sts.amazonaws.com' },
    };
    assert.equal(evaluatePolicy(compiled, request).decision, 'allow');
    assert.equal(evaluatePolicy(document, request).decision, 'allow');
    const statementWithout = document.statements[0];
    assert.ok(statementWithout !== undefined);
    assert.throws(
      () => compilePolicy({ ...document, statements: [{ ...statementWithout, action: undefined }] }),
      /Statement\[0\] must have exactly one of Action and NotAction/,
    );
    assert.throws(
      () =>
        compilePolicy({
          ...document,
          statements: [{ ...statementWithout, conditions: [{ block: 'NumericEquals', operator: 'NumericEquals', qualifier: undefined, ifExists: false, key: 'k', values: ['x'] }] }],
        }),
      /Statement\[0\]\.Condition\.NumericEquals\["k"\]: "x" is not a number/,
    );
  });
});
