import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StsError } from './sts-errors.ts';
import { readAssumeRoleParams, readAssumeRoleWithWebIdentityParams } from './sts-parameters.ts';

const base = { RoleArn: 'arn:aws:iam::111111111111:role/path/Name', RoleSessionName: 'alice', WebIdentityToken: 'eyJ.eyJ.sig' };

function refusal(read: () => unknown): StsError {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof StsError);
    return error;
  }
  assert.fail('accepted');
}

test('well-formed parameters are read, the role ARN parsed with its path', () => {
  const params = readAssumeRoleWithWebIdentityParams({ ...base, DurationSeconds: '900', 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
  assert.equal(params.roleArn.name, 'Name');
  assert.equal(params.roleArn.path, '/path/');
  assert.equal(params.roleArn.account, '111111111111');
  assert.equal(params.durationSeconds, 900);
  assert.deepEqual(params.policyArns, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
});

test('violations are worded as AWS words them, all of them in one ValidationError', () => {
  const error = refusal(() => readAssumeRoleWithWebIdentityParams({ RoleSessionName: 'a b', DurationSeconds: '100' }));
  assert.equal(error.awsCode, 'ValidationError');
  assert.equal(error.status, 400);
  assert.equal(
    error.message,
    "4 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
      "Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; " +
      "Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900; " +
      "Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null",
  );
});

test('the token is never echoed in a message', () => {
  const error = refusal(() => readAssumeRoleWithWebIdentityParams({ ...base, WebIdentityToken: 'abc' }));
  assert.equal(error.message, "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4");
});

test('a well-sized string that is no role ARN → Request ARN is invalid', () => {
  for (const arn of ['arn:aws:iam::111111111111:user/alice', 'arn:aws:iam::1111:role/short-account', 'arn:aws:s3:::bucket-name-long', `arn:aws:iam::111111111111:role/${'x'.repeat(65)}`]) {
    const error = refusal(() => readAssumeRoleWithWebIdentityParams({ ...base, RoleArn: arn }));
    assert.equal(error.message, 'Request ARN is invalid', arn);
  }
});

test('AssumeRole reads Tags, TransitiveTagKeys, ExternalId and SourceIdentity from Query lists', () => {
  const params = readAssumeRoleParams({
    RoleArn: base.RoleArn,
    RoleSessionName: 'chained',
    ExternalId: 'ext-123',
    SourceIdentity: 'alice',
    'Tags.member.1.Key': 'team',
    'Tags.member.1.Value': 'data',
    'Tags.member.2.Key': 'cost',
    'Tags.member.2.Value': '',
    'TransitiveTagKeys.member.1': 'team',
  });
  assert.deepEqual(params.tags, [{ key: 'team', value: 'data' }, { key: 'cost', value: '' }]);
  assert.deepEqual(params.transitiveTagKeys, ['team']);
  assert.equal(params.externalId, 'ext-123');
  assert.equal(params.sourceIdentity, 'alice');
});

test('AssumeRole refuses a tag without value, an aws: source identity, a bad external ID', () => {
  assert.match(refusal(() => readAssumeRoleParams({ RoleArn: base.RoleArn, RoleSessionName: 'x1', 'Tags.member.1.Key': 'team' })).message, /Value null at 'tags\.1\.member\.value'/);
  assert.match(refusal(() => readAssumeRoleParams({ RoleArn: base.RoleArn, RoleSessionName: 'x1', SourceIdentity: 'aws:me' })).message, /Value 'aws:me' at 'sourceIdentity' failed to satisfy constraint/);
  assert.match(refusal(() => readAssumeRoleParams({ RoleArn: base.RoleArn, RoleSessionName: 'x1', ExternalId: 'a b' })).message, /at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern/);
});
