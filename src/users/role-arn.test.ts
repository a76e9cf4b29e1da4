import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRoleArn, isRoleArn, isRoleSessionName } from './role-arn.ts';

describe('checkRoleArn', () => {
  const valid = [
    ['arn:aws:iam::111111111111:role/DataScientist', { partition: 'aws', accountId: '111111111111', path: '/', roleName: 'DataScientist' }],
    ['arn:aws-cn:iam::222222222222:role/ReadOnly', { partition: 'aws-cn', accountId: '222222222222', path: '/', roleName: 'ReadOnly' }],
    ['arn:aws-us-gov:iam::333333333333:role/team/data/Role+=,.@_-1', { partition: 'aws-us-gov', accountId: '333333333333', path: '/team/data/', roleName: 'Role+=,.@_-1' }],
    [`arn:aws:iam::444444444444:role/${'r'.repeat(64)}`, { partition: 'aws', accountId: '444444444444', path: '/', roleName: 'r'.repeat(64) }],
  ] as const;
  for (const [arn, expected] of valid) {
    it(`accepts ${arn.slice(0, 60)}`, () => {
      const check = checkRoleArn(arn);
      assert.ok(check.ok, check.ok ? '' : check.reason);
      assert.deepEqual(check.role, { arn, ...expected });
    });
  }

  const invalid = [
    ['', /not an ARN/],
    ['arn:aws:iam::111111111111', /not an ARN/],
    ['arn:aws-iso:iam::111111111111:role/R', /partition "aws-iso"/],
    ['arn:aws:sts::111111111111:role/R', /service "sts"/],
    ['arn:aws:iam:us-east-1:111111111111:role/R', /no region/],
    ['arn:aws:iam::11111111111:role/R', /12 digits/],
    ['arn:aws:iam::1111111111111:role/R', /12 digits/],
    ['arn:aws:iam::abcdefghijkl:role/R', /12 digits/],
    ['arn:aws:iam::111111111111:user/R', /not a role/],
    ['arn:aws:iam::111111111111:role/', /role name ""/],
    [`arn:aws:iam::111111111111:role/${'r'.repeat(65)}`, /role name/],
    ['arn:aws:iam::111111111111:role/has space', /role name/],
    ['arn:aws:iam::111111111111:role/a//b', /role path/],
    ['arn:aws:iam::111111111111:role/pa th/R', /role path/],
    ['ARN:aws:iam::111111111111:role/R', /not an ARN/],
  ] as const;
  for (const [arn, reason] of invalid) {
    it(`refuses ${JSON.stringify(arn.slice(0, 60))}`, () => {
      const check = checkRoleArn(arn);
      assert.equal(check.ok, false);
      assert.match(check.ok ? '' : check.reason, reason);
      assert.equal(isRoleArn(arn), false);
    });
  }
});

describe('isRoleSessionName', () => {
  for (const [name, expected] of [['alice', true], ['a', false], ['alice.ws-3f2a', true], ['a'.repeat(64), true], ['a'.repeat(65), false], ['al ice', false], ['al/ice', false], ['user@example.com', true]] as const) {
    it(`${JSON.stringify(name.slice(0, 20))} → ${expected}`, () => assert.equal(isRoleSessionName(name), expected));
  }
});
