import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLE_ARN, assumeParams, postQuery, startStsBroker, xmlText, type StsBroker } from './sts-fixture.ts';

/**
 * Malformed Query requests get AWS's answer — status, `ErrorResponse` XML with `Type`,
 * `Code`, `Message` and `RequestId`, the `x-amzn-RequestId` header — and store nothing.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_RequestParameters
 */
describe('bad STS requests', () => {
  let sts: StsBroker;
  let token: string;
  let stored: number;

  before(async () => {
    sts = await startStsBroker();
    token = (await sts.mint('user:alice'));
    stored = await sts.credentialCount();
  });
  after(async () => {
    const count = await sts?.credentialCount();
    await sts?.close();
    assert.equal(count, stored, 'no bad request stored credentials');
  });

  const without = (params: Record<string, string>, ...names: string[]): Record<string, string> =>
    Object.fromEntries(Object.entries(params).filter(([name]) => !names.includes(name)));

  const cases: Array<{ name: string; params: () => Record<string, string>; status: number; code: string; message: string | RegExp }> = [
    {
      name: 'missing RoleArn',
      params: () => without(assumeParams(token), 'RoleArn'),
      status: 400,
      code: 'ValidationError',
      message: "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    },
    {
      name: 'missing RoleArn, RoleSessionName and WebIdentityToken',
      params: () => without(assumeParams(token), 'RoleArn', 'RoleSessionName', 'WebIdentityToken'),
      status: 400,
      code: 'ValidationError',
      message:
        "3 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null",
    },
    {
      name: 'a RoleArn that is not an ARN',
      params: () => assumeParams(token, { RoleArn: 'role/DataScientist-in-account-1' }),
      status: 400,
      code: 'ValidationError',
      message: 'Request ARN is invalid',
    },
    {
      name: 'a RoleArn naming a user, not a role',
      params: () => assumeParams(token, { RoleArn: 'arn:aws:iam::111111111111:user/alice' }),
      status: 400,
      code: 'ValidationError',
      message: 'Request ARN is invalid',
    },
    {
      name: 'a RoleArn shorter than 20 characters',
      params: () => assumeParams(token, { RoleArn: 'arn:aws:iam::1:role' }),
      status: 400,
      code: 'ValidationError',
      message: "1 validation error detected: Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    },
    {
      name: 'a one-character session name',
      params: () => assumeParams(token, { RoleSessionName: 'a' }),
      status: 400,
      code: 'ValidationError',
      message: "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    },
    {
      name: 'a session name with a space and a slash',
      params: () => assumeParams(token, { RoleSessionName: 'alice smith/x' }),
      status: 400,
      code: 'ValidationError',
      message: "1 validation error detected: Value 'alice smith/x' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    },
    {
      name: 'a 65-character session name',
      params: () => assumeParams(token, { RoleSessionName: 'a'.repeat(65) }),
      status: 400,
      code: 'ValidationError',
      message: /at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64$/,
    },
    {
      name: 'DurationSeconds below 900',
      params: () => assumeParams(token, { DurationSeconds: '899' }),
      status: 400,
      code: 'ValidationError',
      message: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    },
    {
      name: 'DurationSeconds above 43200',
      params: () => assumeParams(token, { DurationSeconds: '43201' }),
      status: 400,
      code: 'ValidationError',
      message: "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    },
    {
      name: 'DurationSeconds that is not a number',
      params: () => assumeParams(token, { DurationSeconds: 'an hour' }),
      status: 400,
      code: 'ValidationError',
      message: /Value 'an hour' at 'durationSeconds' failed to satisfy constraint/,
    },
    {
      name: 'DurationSeconds above the role\'s MaxSessionDuration (1 h)',
      params: () => assumeParams(token, { DurationSeconds: '7200' }),
      status: 400,
      code: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    },
    {
      name: 'an unknown Action',
      params: () => ({ ...assumeParams(token), Action: 'AssumeEverything' }),
      status: 400,
      code: 'InvalidAction',
      message: 'Could not find operation AssumeEverything for version 2011-06-15',
    },
    {
      name: 'an STS action the local STS does not implement',
      params: () => ({ Action: 'GetSessionToken', Version: '2011-06-15' }),
      status: 400,
      code: 'InvalidAction',
      message: /^The local STS does not implement GetSessionToken/,
    },
    {
      name: 'no Action',
      params: () => without(assumeParams(token), 'Action'),
      status: 400,
      code: 'MissingAction',
      message: 'Missing Action',
    },
    {
      name: 'another API version',
      params: () => assumeParams(token, { Version: '2010-05-08' }),
      status: 400,
      code: 'InvalidAction',
      message: 'Could not find operation AssumeRoleWithWebIdentity for version 2010-05-08',
    },
    {
      name: 'a malformed session policy',
      params: () => assumeParams(token, { Policy: '{"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}' }),
      status: 400,
      code: 'MalformedPolicyDocument',
      message: /Statement\[0\]\.Effect/,
    },
    {
      name: 'more than 10 managed session policies',
      params: () =>
        assumeParams(token, Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`PolicyArns.member.${i + 1}.arn`, `arn:aws:iam::aws:policy/Policy${i}`]))),
      status: 400,
      code: 'ValidationError',
      message: /at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10/,
    },
    {
      name: 'an unsigned GetCallerIdentity',
      params: () => ({ Action: 'GetCallerIdentity', Version: '2011-06-15' }),
      status: 403,
      code: 'MissingAuthenticationToken',
      message: 'Request is missing Authentication Token',
    },
    {
      name: 'a role nobody registered',
      params: () => assumeParams(token, { RoleArn: 'arn:aws:iam::111111111111:role/Unknown' }),
      status: 403,
      code: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    },
  ];

  for (const { name, params, status, code, message } of cases) {
    test(`${name} → ${status} ${code}`, async () => {
      const result = await postQuery(sts.stsUrl, params());
      assert.equal(result.status, status, result.body);
      assert.equal(result.code, code);
      if (typeof message === 'string') assert.equal(result.message, message);
      else assert.match(result.message ?? '', message);
      assert.match(result.requestId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(xmlText(result.body, 'RequestId'), result.requestId);
      assert.equal(xmlText(result.body, 'Type'), 'Sender');
    });
  }

  test('a GET with the parameters in the query is served like a POST', async () => {
    const refused = await postQuery(sts.stsUrl, assumeParams(token, { RoleSessionName: 'a' }), { method: 'GET' });
    assert.equal(refused.code, 'ValidationError');
    const served = await postQuery(sts.stsUrl, assumeParams(token, { RoleSessionName: 'via-get' }), { method: 'GET' });
    assert.equal(served.status, 200, served.body);
    assert.equal(xmlText(served.body, 'Arn'), 'arn:aws:sts::111111111111:assumed-role/DataScientist/via-get');
    stored += 1;
  });

  test('a JSON body is refused with AWS-shaped XML, not the API\'s JSON', async () => {
    const response = await fetch(sts.stsUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(assumeParams(token)) });
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^text\/xml/);
    assert.equal(xmlText(await response.text(), 'Code'), 'ValidationError');
  });

  test('repeated parameters in a query are refused', async () => {
    const response = await fetch(`${sts.stsUrl}/?Action=GetCallerIdentity&Action=AssumeRole&Version=2011-06-15`);
    assert.equal(response.status, 400);
    assert.equal(xmlText(await response.text(), 'Code'), 'ValidationError');
  });

  test('every answer of the STS listener carries nosniff: its fast path\'s (a form POST, served or refused) and Fastify\'s', async () => {
    const form = (params: Record<string, string>) => fetch(sts.stsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
    for (const [what, response] of [
      ['fast path, served', await form(assumeParams(token, { RoleSessionName: 'nosniff' }))],
      ['fast path, refused', await form(without(assumeParams(token), 'RoleArn'))],
      ['Fastify, a GET', await fetch(`${sts.stsUrl}/?Action=GetCallerIdentity&Version=2011-06-15`)],
      ['Fastify, another path', await fetch(`${sts.stsUrl}/elsewhere`, { method: 'POST' })],
    ] as const) {
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
      assert.match(response.headers.get('content-type') ?? '', /^text\/xml/, what);
      await response.body?.cancel();
    }
    stored += 1;
  });

  test('another path of the STS listener answers XML', async () => {
    const response = await fetch(`${sts.stsUrl}/elsewhere`, { method: 'POST' });
    assert.equal(response.status, 404);
    assert.equal(xmlText(await response.text(), 'Code'), 'InvalidAction');
  });

  test('a session policy that is well-formed is accepted and reported in PackedPolicySize', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }] });
    const result = await postQuery(sts.stsUrl, assumeParams(token, { Policy: policy, RoleSessionName: 'with-policy' }));
    assert.equal(result.status, 200, result.body);
    assert.match(xmlText(result.body, 'PackedPolicySize') ?? '', /^\d+$/);
    assert.equal(xmlText(result.body, 'Arn'), `${ROLE_ARN.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/with-policy`);
    stored += 1;
  });
});
