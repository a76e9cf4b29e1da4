import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleportError } from '../core/index.ts';
import { parseRoleArn, profileNames, renderSessionName, shortSessionId } from './session-name.ts';

const STS_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

test('renderSessionName: the default template gives username.ses-xxxx', () => {
  const name = renderSessionName('{username}.{session_id_short}', {
    username: 'alice',
    sessionId: 'ses_3f2a9c01d4e5f6a7b8c9',
    roleArn: 'arn:aws:iam::111111111111:role/DataScientist',
  });
  assert.equal(name, 'alice.ses-3f2a');
  assert.equal(shortSessionId('ses_3f2a9c01d4e5f6a7b8c9'), 'ses-3f2a');
});

test('renderSessionName: role and account placeholders; the result is sanitized and bounded', () => {
  const values = { username: 'Alice Example', email: 'alice@example.com', sessionId: 'ses_0123456789abcdef0123', roleArn: 'arn:aws:iam::222222222222:role/team/ReadOnly' };
  assert.equal(renderSessionName('{email}-{role_name}@{account_id}', values), 'alice@example.com-ReadOnly@222222222222');
  assert.equal(renderSessionName('{username}', values), 'Alice-Example');
  const long = renderSessionName('{session_id}{session_id}{session_id}{session_id}', values);
  assert.equal(long.length, 64);
  assert.match(long, STS_SESSION_NAME);
});

test('renderSessionName: an unknown placeholder is a configuration error', () => {
  assert.throws(
    () => renderSessionName('{user}', { username: 'alice', sessionId: 'ses_1', roleArn: 'arn:aws:iam::111111111111:role/R' }),
    (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && /\{user\}/.test(error.message),
  );
});

test('a session\'s role ARNs are checked with IAM\'s rule (src/iam); a bad one is bad input naming it', () => {
  assert.equal(parseRoleArn('arn:aws-us-gov:iam::111111111111:role/a/b/Role').name, 'Role');
  for (const bad of ['', 'arn:aws:iam::1111:role/X', 'arn:aws:iam::111111111111:user/alice', 'arn:aws:sts::111111111111:assumed-role/X/y', 'arn:aws:iam::111111111111:role/bad name']) {
    assert.throws(() => parseRoleArn(bad), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && error.message.includes('is not an IAM role ARN'), bad);
  }
});

test('profileNames: the role name, qualified by account only when two roles share it', () => {
  assert.deepEqual(
    profileNames(['arn:aws:iam::111111111111:role/DataScientist', 'arn:aws:iam::222222222222:role/ReadOnly']),
    ['DataScientist', 'ReadOnly'],
  );
  assert.deepEqual(
    profileNames(['arn:aws:iam::111111111111:role/ReadOnly', 'arn:aws:iam::222222222222:role/ReadOnly', 'arn:aws:iam::222222222222:role/Admin']),
    ['ReadOnly-111111111111', 'ReadOnly-222222222222', 'Admin'],
  );
});
