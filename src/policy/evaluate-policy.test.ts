import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePolicy, parsePolicy, type PolicyRequest, type RequestPrincipal } from './index.ts';

const ACCOUNT = '123456789012';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.example.com`;
const OTHER_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.example.com/tenant`;
const ASSUME = 'sts:AssumeRoleWithWebIdentity';

function request(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    action: ASSUME,
    principal: { federated: PROVIDER },
    context: { 'token.example.com:aud': 'sts.amazonaws.com', 'token.example.com:sub': 'user:ada' },
    ...overrides,
  };
}

describe('decision (reference_policies_evaluation-logic)', () => {
  const allow = { Sid: 'AllowProvider', Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: ASSUME };
  const denyAda = {
    Sid: 'DenyAda',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sts:*',
    Condition: { StringEquals: { 'token.example.com:sub': 'user:ada' } },
  };

  it('allows when an Allow statement applies and no Deny does', () => {
    const evaluation = evaluatePolicy(parsePolicy({ Version: '2012-10-17', Statement: [allow, denyAda] }), request({ context: { 'token.example.com:sub': 'user:bob' } }));
    assert.equal(evaluation.decision, 'allow');
    assert.equal(evaluation.reason, 'allowed');
    assert.deepEqual(evaluation.decidingStatements, [0]);
    assert.deepEqual(
      evaluation.statements.map((statement) => statement.applies),
      [true, false],
    );
  });

  it('an explicit Deny beats an Allow', () => {
    const evaluation = evaluatePolicy(parsePolicy({ Version: '2012-10-17', Statement: [allow, denyAda] }), request());
    assert.equal(evaluation.decision, 'deny');
    assert.equal(evaluation.reason, 'explicit-deny');
    assert.deepEqual(evaluation.decidingStatements, [1]);
    assert.equal(evaluation.statements[0]?.applies, true, 'the Allow still applies; the Deny wins');
  });

  it('denies implicitly when no statement applies', () => {
    const evaluation = evaluatePolicy(parsePolicy({ Version: '2012-10-17', Statement: [allow] }), request({ action: 'sts:AssumeRole' }));
    assert.equal(evaluation.decision, 'deny');
    assert.equal(evaluation.reason, 'implicit-deny');
    assert.deepEqual(evaluation.decidingStatements, []);
    assert.equal(evaluation.statements[0]?.action.matched, false);
  });

  it('lists every applying Allow as deciding', () => {
    const evaluation = evaluatePolicy(parsePolicy({ Statement: [allow, { ...allow, Sid: 'Again' }] }), request());
    assert.deepEqual(evaluation.decidingStatements, [0, 1]);
  });

  it('traces every element of every statement', () => {
    const policy = parsePolicy({
      Version: '2012-10-17',
      Statement: {
        Sid: 'Ci',
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: ASSUME,
        Condition: { StringEquals: { 'token.example.com:aud': 'sts.amazonaws.com' }, StringLike: { 'token.example.com:sub': 'repo:*' } },
      },
    });
    const [statement] = evaluatePolicy(policy, request()).statements;
    assert.deepEqual(statement, {
      index: 0,
      sid: 'Ci',
      effect: 'Allow',
      principal: { matched: true, detail: `federated principal "${PROVIDER}" is listed` },
      action: { matched: true, detail: `action "${ASSUME}" matches "${ASSUME}"` },
      resource: { matched: true, detail: 'no Resource element: the statement covers any resource' },
      conditions: [
        {
          block: 'StringEquals',
          operator: 'StringEquals',
          qualifier: undefined,
          ifExists: false,
          key: 'token.example.com:aud',
          expected: ['sts.amazonaws.com'],
          actual: 'sts.amazonaws.com',
          matched: true,
          explanation: 'token.example.com:aud is "sts.amazonaws.com", expected one of ["sts.amazonaws.com"] (StringEquals)',
        },
        {
          block: 'StringLike',
          operator: 'StringLike',
          qualifier: undefined,
          ifExists: false,
          key: 'token.example.com:sub',
          expected: ['repo:*'],
          actual: 'user:ada',
          matched: false,
          explanation: 'token.example.com:sub is "user:ada", expected to match one of ["repo:*"] (StringLike)',
        },
      ],
      conditionsMatched: false,
      applies: false,
    });
  });

  it('gives the same answer for the same request again (memoized traces stay correct)', () => {
    const policy = parsePolicy({ Statement: [allow] });
    const first = evaluatePolicy(policy, request());
    const second = evaluatePolicy(policy, request());
    const other = evaluatePolicy(policy, request({ principal: { federated: OTHER_PROVIDER } }));
    assert.deepEqual(second, first);
    assert.equal(other.decision, 'deny');
    assert.equal(Object.isFrozen(second.statements[0]?.principal), true, 'shared traces are frozen');
  });
});

describe('Principal (reference_policies_elements_principal)', () => {
  const cases: [rule: string, principal: unknown, caller: RequestPrincipal | undefined, expected: boolean][] = [
    ['Federated: the provider ARN matches exactly', { Federated: PROVIDER }, { federated: PROVIDER }, true],
    ['Federated: another provider does not match', { Federated: PROVIDER }, { federated: OTHER_PROVIDER }, false],
    ['Federated: a provider path is part of the ARN', { Federated: OTHER_PROVIDER }, { federated: PROVIDER }, false],
    ['Federated: an array is OR', { Federated: [OTHER_PROVIDER, PROVIDER] }, { federated: PROVIDER }, true],
    ['Federated: "*" matches every provider', { Federated: '*' }, { federated: OTHER_PROVIDER }, true],
    ['Federated: compared exactly, case included', { Federated: PROVIDER.toUpperCase() }, { federated: PROVIDER }, false],
    ['Federated: an AWS caller is not a federated one', { Federated: PROVIDER }, { aws: `arn:aws:iam::${ACCOUNT}:user/ada` }, false],
    ['AWS: an account ID matches a user of that account', { AWS: ACCOUNT }, { aws: `arn:aws:iam::${ACCOUNT}:user/ada` }, true],
    ['AWS: an account ID matches an assumed-role session of that account', { AWS: ACCOUNT }, { aws: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-1` }, true],
    ['AWS: an account ID does not match another account', { AWS: ACCOUNT }, { aws: 'arn:aws:iam::210987654321:user/ada' }, false],
    ['AWS: the root ARN stands for the whole account', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, { aws: `arn:aws:iam::${ACCOUNT}:role/ci` }, true],
    ['AWS: the root ARN is per partition', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, { aws: `arn:aws-cn:iam::${ACCOUNT}:role/ci` }, false],
    ['AWS: a user ARN matches exactly', { AWS: `arn:aws:iam::${ACCOUNT}:user/ada` }, { aws: `arn:aws:iam::${ACCOUNT}:user/ada` }, true],
    ['AWS: a user ARN does not match another user', { AWS: `arn:aws:iam::${ACCOUNT}:user/ada` }, { aws: `arn:aws:iam::${ACCOUNT}:user/bob` }, false],
    ['AWS: a role ARN matches the role itself', { AWS: `arn:aws:iam::${ACCOUNT}:role/ci` }, { aws: `arn:aws:iam::${ACCOUNT}:role/ci` }, true],
    ['AWS: a role ARN matches its assumed-role sessions', { AWS: `arn:aws:iam::${ACCOUNT}:role/ci` }, { aws: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-1` }, true],
    ['AWS: a role ARN with a path matches its sessions (the path is ignored)', { AWS: `arn:aws:iam::${ACCOUNT}:role/teams/build/ci` }, { aws: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-1` }, true],
    ['AWS: a session of another role does not match', { AWS: `arn:aws:iam::${ACCOUNT}:role/ci` }, { aws: `arn:aws:sts::${ACCOUNT}:assumed-role/cd/run-1` }, false],
    ['AWS: a session of the same role name in another account does not match', { AWS: `arn:aws:iam::${ACCOUNT}:role/ci` }, { aws: 'arn:aws:sts::210987654321:assumed-role/ci/run-1' }, false],
    ['AWS: a session ARN in the policy matches only that session', { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-1` }, { aws: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-2` }, false],
    ['AWS: "*" matches any AWS principal', { AWS: '*' }, { aws: 'arn:aws:iam::210987654321:user/x' }, true],
    ['AWS: "*" does not match a federated caller', { AWS: '*' }, { federated: PROVIDER }, false],
    ['Service: the service principal matches exactly', { Service: 'ec2.amazonaws.com' }, { service: 'ec2.amazonaws.com' }, true],
    ['Service: another service does not match', { Service: 'ec2.amazonaws.com' }, { service: 'lambda.amazonaws.com' }, false],
    ['several types in one Principal are OR', { AWS: ACCOUNT, Federated: PROVIDER }, { federated: PROVIDER }, true],
    ['"*" matches everyone', '*', { federated: PROVIDER }, true],
    ['"*" matches an anonymous caller', '*', undefined, true],
    ['a listed principal does not match an anonymous caller', { AWS: ACCOUNT }, undefined, false],
  ];
  for (const [rule, principal, caller, expected] of cases) {
    it(rule, () => {
      const policy = parsePolicy({ Statement: { Effect: 'Allow', Principal: principal, Action: 'sts:*' } });
      const evaluation = evaluatePolicy(policy, { action: 'sts:AssumeRole', ...(caller === undefined ? {} : { principal: caller }), context: {} });
      assert.equal(evaluation.statements[0]?.principal.matched, expected, evaluation.statements[0]?.principal.detail);
      assert.equal(evaluation.decision, expected ? 'allow' : 'deny');
    });
  }

  it('explains a mismatch by naming the caller and the listed principals', () => {
    const policy = parsePolicy({ Statement: { Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: ASSUME } });
    const { principal } = evaluatePolicy(policy, request({ principal: { federated: OTHER_PROVIDER } })).statements[0] ?? {};
    assert.deepEqual(principal, { matched: false, detail: `federated principal "${OTHER_PROVIDER}" is not among Federated ["${PROVIDER}"]` });
  });

  it('NotPrincipal applies to everyone except the listed principals', () => {
    const policy = parsePolicy({
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'sts:*' },
        { Sid: 'OnlyOurAccount', Effect: 'Deny', NotPrincipal: { AWS: ACCOUNT }, Action: 'sts:*' },
      ],
    });
    const ours = evaluatePolicy(policy, { action: 'sts:AssumeRole', principal: { aws: `arn:aws:iam::${ACCOUNT}:user/ada` }, context: {} });
    const theirs = evaluatePolicy(policy, { action: 'sts:AssumeRole', principal: { aws: 'arn:aws:iam::210987654321:user/eve' }, context: {} });
    assert.equal(ours.decision, 'allow');
    assert.equal(ours.statements[1]?.principal.matched, false);
    assert.match(ours.statements[1]?.principal.detail ?? '', /^NotPrincipal: .*, so it is excluded$/);
    assert.equal(theirs.decision, 'deny');
    assert.equal(theirs.reason, 'explicit-deny');
    assert.deepEqual(theirs.decidingStatements, [1]);
  });

  it('a statement without Principal (an identity policy) applies to any caller', () => {
    const policy = parsePolicy({ Statement: { Effect: 'Allow', Action: 'sts:*' } });
    assert.deepEqual(evaluatePolicy(policy, request()).statements[0]?.principal, { matched: true, detail: 'no Principal element' });
  });
});

describe('Action and NotAction (reference_policies_elements_action, reference_policies_elements_notaction)', () => {
  const cases: [rule: string, element: Record<string, unknown>, action: string, expected: boolean][] = [
    ['the service prefix and action name are case-insensitive', { Action: 'STS:assumerolewithwebidentity' }, ASSUME, true],
    ['"*" in the name matches a run', { Action: 'sts:AssumeRole*' }, ASSUME, true],
    ['"*" matches every action', { Action: '*' }, 'iam:CreateUser', true],
    ['"?" is exactly one character', { Action: 'sts:AssumeRol?' }, 'sts:AssumeRole', true],
    ['"?" does not match several characters', { Action: 'sts:AssumeRole?' }, ASSUME, false],
    ['another service does not match', { Action: 'iam:*' }, ASSUME, false],
    ['an array is OR', { Action: ['sts:TagSession', ASSUME] }, ASSUME, true],
    ['NotAction matches every action not listed', { NotAction: 'sts:TagSession' }, ASSUME, true],
    ['NotAction does not match a listed action', { NotAction: 'sts:Tag*' }, 'sts:TagSession', false],
    ['NotAction is case-insensitive too', { NotAction: 'STS:TAGSESSION' }, 'sts:TagSession', false],
  ];
  for (const [rule, element, action, expected] of cases) {
    it(rule, () => {
      const policy = parsePolicy({ Statement: { Effect: 'Allow', ...element } });
      const trace = evaluatePolicy(policy, request({ action })).statements[0]?.action;
      assert.equal(trace?.matched, expected, trace?.detail);
    });
  }

  it('explains NotAction exclusions', () => {
    const policy = parsePolicy({ Statement: { Effect: 'Allow', NotAction: 'sts:Tag*' } });
    assert.deepEqual(evaluatePolicy(policy, request({ action: 'sts:TagSession' })).statements[0]?.action, {
      matched: false,
      detail: 'action "sts:TagSession" is excluded by NotAction "sts:Tag*"',
    });
  });
});

describe('Resource and NotResource (reference_policies_elements_resource, reference_policies_elements_notresource)', () => {
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/app-deploy`;
  const cases: [rule: string, element: Record<string, unknown>, resource: string | undefined, expected: boolean][] = [
    ['an exact ARN', { Resource: ROLE }, ROLE, true],
    ['wildcards in the resource segment', { Resource: `arn:aws:iam::${ACCOUNT}:role/app-*` }, ROLE, true],
    ['resource ARNs are case-sensitive', { Resource: `arn:aws:iam::${ACCOUNT}:role/App-*` }, ROLE, false],
    ['a wildcard account segment', { Resource: 'arn:aws:iam::*:role/app-deploy' }, ROLE, true],
    ['"*" covers every resource', { Resource: '*' }, ROLE, true],
    ['"*" covers a request that names no resource', { Resource: '*' }, undefined, true],
    ['a specific resource does not cover a request without one', { Resource: ROLE }, undefined, false],
    ['NotResource covers resources not listed', { NotResource: `arn:aws:iam::${ACCOUNT}:role/admin-*` }, ROLE, true],
    ['NotResource excludes listed resources', { NotResource: `arn:aws:iam::${ACCOUNT}:role/app-*` }, ROLE, false],
  ];
  for (const [rule, element, resource, expected] of cases) {
    it(rule, () => {
      const policy = parsePolicy({ Statement: { Effect: 'Allow', Action: '*', ...element } });
      const trace = evaluatePolicy(policy, request(resource === undefined ? {} : { resource })).statements[0]?.resource;
      assert.equal(trace?.matched, expected, trace?.detail);
    });
  }

  it('a statement without Resource (a trust policy) covers any resource', () => {
    const policy = parsePolicy({ Statement: { Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: ASSUME } });
    const evaluation = evaluatePolicy(policy, request({ resource: ROLE }));
    assert.equal(evaluation.decision, 'allow');
    assert.equal(evaluation.statements[0]?.resource.matched, true);
  });

  it('substitutes policy variables in Resource under 2012-10-17', () => {
    const policy = parsePolicy({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: `arn:aws:iam::${ACCOUNT}:role/\${aws:username}-*` } });
    const decide = (username: string | undefined): string =>
      evaluatePolicy(policy, request({ resource: `arn:aws:iam::${ACCOUNT}:role/ada-dev`, context: username === undefined ? {} : { 'aws:username': username } })).decision;
    assert.equal(decide('ada'), 'allow');
    assert.equal(decide('bob'), 'deny');
    assert.equal(decide(undefined), 'deny');
  });
});

describe('trust policy for AssumeRoleWithWebIdentity (id_roles_create_for-idp_oidc)', () => {
  const policy = parsePolicy({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RoleportUsers',
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: [ASSUME, 'sts:TagSession'],
        Condition: {
          StringEquals: { 'token.example.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'token.example.com:sub': 'user:*' },
          'ForAnyValue:StringEquals': { 'token.example.com:amr': 'mfa' },
        },
      },
      {
        Sid: 'NoAdminSessions',
        Effect: 'Deny',
        Principal: '*',
        Action: ASSUME,
        Condition: { StringLike: { 'sts:RoleSessionName': 'admin*' } },
      },
    ],
  });
  const context = {
    'token.example.com:aud': 'sts.amazonaws.com',
    'token.example.com:sub': 'user:ada',
    'token.example.com:amr': ['pwd', 'mfa'],
    'sts:RoleSessionName': 'ada',
  };
  const cases: [name: string, changes: Record<string, string | string[] | undefined>, decision: string, reason: string][] = [
    ['a user with MFA is allowed', {}, 'allow', 'allowed'],
    ['the wrong audience is denied', { 'token.example.com:aud': 'roleport' }, 'deny', 'implicit-deny'],
    ['a content subject is denied', { 'token.example.com:sub': 'content:42' }, 'deny', 'implicit-deny'],
    ['no MFA is denied', { 'token.example.com:amr': ['pwd'] }, 'deny', 'implicit-deny'],
    ['no amr at all is denied (ForAnyValue on a missing key is false)', { 'token.example.com:amr': undefined }, 'deny', 'implicit-deny'],
    ['an admin session name is denied explicitly', { 'sts:RoleSessionName': 'admin-ada' }, 'deny', 'explicit-deny'],
  ];
  for (const [name, changes, decision, reason] of cases) {
    it(name, () => {
      const evaluation = evaluatePolicy(policy, request({ context: { ...context, ...changes } }));
      assert.equal(evaluation.decision, decision);
      assert.equal(evaluation.reason, reason);
    });
  }
});

describe('request checks', () => {
  it('rejects a request without an action or context as programmer misuse', () => {
    const policy = parsePolicy({ Statement: { Effect: 'Allow', Action: '*' } });
    assert.throws(() => evaluatePolicy(policy, { context: {} } as unknown as PolicyRequest), TypeError);
    assert.throws(() => evaluatePolicy(policy, { action: ASSUME } as unknown as PolicyRequest), TypeError);
  });

  it('ignores context values that are neither strings nor string arrays', () => {
    const policy = parsePolicy({ Statement: { Effect: 'Allow', Action: '*', Condition: { Null: { k: 'true' } } } });
    const context = { k: 5 } as unknown as PolicyRequest['context'];
    assert.equal(evaluatePolicy(policy, request({ context })).decision, 'allow');
  });
});
