import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBenchmarkPolicy } from './bench-fixture.ts';
import { evaluatePolicy, formatEvaluation, parsePolicy, type PolicyRequest } from './index.ts';

const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.example.com';

const policy = parsePolicy({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Users',
      Effect: 'Allow',
      Principal: { Federated: PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'token.example.com:aud': 'sts.amazonaws.com' } },
    },
    { Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:TagSession' },
    { Sid: 'NoRoot', Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringEquals: { 'token.example.com:sub': 'root' } } },
  ],
});

function requestFor(aud: string, sub: string): PolicyRequest {
  return {
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { federated: PROVIDER },
    context: { 'token.example.com:aud': aud, 'token.example.com:sub': sub },
  };
}

describe('formatEvaluation', () => {
  it('starts with ALLOW and the deciding statement', () => {
    const text = formatEvaluation(evaluatePolicy(policy, requestFor('sts.amazonaws.com', 'user:ada')));
    assert.equal(text.split('\n')[0], 'ALLOW (allowed by statement 0 "Users")');
  });

  it('names an explicit deny', () => {
    const text = formatEvaluation(evaluatePolicy(policy, requestFor('sts.amazonaws.com', 'root')));
    assert.equal(text.split('\n')[0], 'DENY (explicit deny by statement 2 "NoRoot")');
    assert.match(text, /^ {2}✓ Statement 2 "NoRoot" \(Deny\): applies: explicit deny$/m);
  });

  it('explains an implicit deny and marks the failing element with ✗', () => {
    const text = formatEvaluation(evaluatePolicy(policy, requestFor('other', 'user:ada')));
    const lines = text.split('\n');
    assert.equal(lines[0], 'DENY (implicit: no statement allowed the request)');
    assert.equal(lines[1], '  ✗ Statement 0 "Users" (Allow): does not apply');
    assert.equal(lines[2], `      ✓ Principal: federated principal "${PROVIDER}" is listed`);
    assert.equal(lines[3], '      ✓ Action: action "sts:AssumeRoleWithWebIdentity" matches "sts:AssumeRoleWithWebIdentity"');
    assert.equal(lines[4], '      ✓ Resource: no Resource element: the statement covers any resource');
    assert.equal(lines[5], '      ✗ Condition: token.example.com:aud is "other", expected one of ["sts.amazonaws.com"] (StringEquals)');
    assert.equal(lines[6], '  ✗ Statement 1 (Allow): does not apply', 'a statement without Sid is named by index');
    assert.equal(lines[8], '      ✗ Action: action "sts:AssumeRoleWithWebIdentity" matches none of ["sts:TagSession"]');
    assert.equal(text.includes('\u001b['), false, 'no ANSI codes without color');
  });

  it('paints ✗ red and ✓ green with color', () => {
    const text = formatEvaluation(evaluatePolicy(policy, requestFor('other', 'user:ada')), { color: true });
    assert.ok(text.includes('\u001b[31m✗ Condition: token.example.com:aud is "other"'));
    assert.ok(text.includes('\u001b[32m✓ Principal:'));
    assert.ok(text.startsWith('\u001b[1m\u001b[31mDENY (implicit'));
  });

  it('lists several deciding statements', () => {
    const both = parsePolicy({ Statement: [{ Sid: 'A', Effect: 'Allow', Action: '*' }, { Effect: 'Allow', Action: 'sts:*' }] });
    const text = formatEvaluation(evaluatePolicy(both, { action: 'sts:AssumeRole', context: {} }));
    assert.equal(text.split('\n')[0], 'ALLOW (allowed by statements 0 "A", 1)');
  });
});

describe('benchmark fixture', () => {
  it('is a ten-statement policy that only its last Allow grants, with conditions in every statement', () => {
    const { policy: fixture, request } = buildBenchmarkPolicy();
    assert.equal(fixture.statements.length, 10);
    assert.ok(fixture.statements.every((statement) => statement.conditions.length >= 2));
    const evaluation = evaluatePolicy(fixture, request);
    assert.equal(evaluation.decision, 'allow');
    assert.deepEqual(evaluation.decidingStatements, [9]);
    assert.equal(evaluation.statements.filter((statement) => statement.applies).length, 1);
  });
});
