import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assumedRoleArn, oidcProviderArn, parseRoleArn, providerPrefix, providerUrlProblem } from './arn.ts';
import { newRequestId, newSecretAccessKey, newSessionToken, newTemporaryAccessKeyId, roleIdFor } from './ids.ts';

test('the provider prefix is the issuer URL without scheme or trailing slash; ports and paths stay', () => {
  assert.equal(providerPrefix('https://token.example.com'), 'token.example.com');
  assert.equal(providerPrefix('https://token.example.com/tenant/a/'), 'token.example.com/tenant/a');
  assert.equal(providerPrefix('http://127.0.0.1:8080'), '127.0.0.1:8080');
  assert.equal(oidcProviderArn('aws', '111111111111', 'http://127.0.0.1:8080/'), 'arn:aws:iam::111111111111:oidc-provider/127.0.0.1:8080');
});

test('provider URLs: http(s), no query, fragment or credentials', () => {
  assert.equal(providerUrlProblem('https://idp.example.com/path'), undefined);
  assert.equal(providerUrlProblem('http://127.0.0.1:9000'), undefined);
  assert.match(providerUrlProblem('ftp://idp') ?? '', /https/);
  assert.match(providerUrlProblem('https://idp.example.com?x') ?? '', /query/);
  assert.match(providerUrlProblem('https://u:p@idp.example.com') ?? '', /credentials/);
  assert.match(providerUrlProblem('not a url') ?? '', /not a URL/);
});

test('role ARNs: partition, account, path and name; the session ARN drops the path', () => {
  const role = parseRoleArn('arn:aws-us-gov:iam::123456789012:role/team/a/Reader');
  assert.deepEqual(role, { arn: 'arn:aws-us-gov:iam::123456789012:role/team/a/Reader', partition: 'aws-us-gov', account: '123456789012', path: '/team/a/', name: 'Reader' });
  assert.equal(assumedRoleArn(role!, 's1'), 'arn:aws-us-gov:sts::123456789012:assumed-role/Reader/s1');
  for (const bad of ['arn:aws:iam::123456789012:user/x', 'arn:aws:iam::12345:role/x', 'arn:aws:iam::123456789012:role/', 'arn:aws:iam::123456789012:role/a b']) {
    assert.equal(parseRoleArn(bad), undefined, bad);
  }
});

test('identifiers have AWS\'s shapes; a role\'s ID is stable', () => {
  assert.match(newTemporaryAccessKeyId(Date.now()), /^ASIA[A-Z2-7]{16}$/);
  assert.equal(newSecretAccessKey().length, 40);
  assert.ok(newSessionToken().length > 100);
  assert.match(newRequestId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(roleIdFor('arn:aws:iam::1:role/x'), /^AROA[A-Z2-7]{17}$/);
  assert.equal(roleIdFor('arn:aws:iam::1:role/x'), roleIdFor('arn:aws:iam::1:role/x'));
  assert.notEqual(roleIdFor('arn:aws:iam::1:role/x'), roleIdFor('arn:aws:iam::1:role/y'));
});

test('temporary access key IDs sort by issue time, and differ within one millisecond', () => {
  const times = [0, 1, 31, 32, 1_700_000_000_000, Date.parse('2026-11-22T23:00:00Z'), Date.parse('2026-11-22T23:00:00.001Z'), Date.parse('2999-12-31T00:00:00Z')];
  const ids = times.map((time) => newTemporaryAccessKeyId(time));
  for (const id of ids) assert.match(id, /^ASIA[A-Z2-7]{16}$/);
  assert.deepEqual([...ids].sort(), ids, 'the text order is the time order');
  const sameMillisecond = new Set(Array.from({ length: 1000 }, () => newTemporaryAccessKeyId(1_700_000_000_000)));
  assert.equal(sameMillisecond.size, 1000);
  assert.equal(new Set([...sameMillisecond].map((id) => id.slice(0, 13))).size, 1, 'one time prefix');
});
