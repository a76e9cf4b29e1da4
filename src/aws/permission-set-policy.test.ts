import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleportError } from '../core/index.ts';
import { splitList } from './admin-input.ts';
import { buildPermissionSetPolicy } from './permission-set-policy.ts';

test('every account × role pair becomes an explicit Resource ARN for sts:AssumeRole', () => {
  const result = buildPermissionSetPolicy({ accounts: splitList('111111111111,222222222222'), roles: splitList(['ExecutionRole', 'ReadOnlyRole']) });
  assert.deepEqual(result.policy, {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RoleportAssumeRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: [
          'arn:aws:iam::111111111111:role/ExecutionRole',
          'arn:aws:iam::111111111111:role/ReadOnlyRole',
          'arn:aws:iam::222222222222:role/ExecutionRole',
          'arn:aws:iam::222222222222:role/ReadOnlyRole',
        ],
      },
    ],
  });
});

test('lists are split at commas, trimmed and deduplicated in order', () => {
  assert.deepEqual(splitList(['a, b', 'c,a', ' ,']), ['a', 'b', 'c']);
});

test('bad account ids and role names are refused naming the value', () => {
  const refuses = (options: Parameters<typeof buildPermissionSetPolicy>[0], pattern: RegExp): void =>
    assert.throws(() => buildPermissionSetPolicy(options), (e: unknown) => e instanceof RoleportError && e.code === 'ERR_INPUT_INVALID' && pattern.test(e.message));
  refuses({ accounts: ['11111111111'], roles: ['R'] }, /account id "11111111111": must be 12 digits/);
  refuses({ accounts: ['1111111111111'], roles: ['R'] }, /"1111111111111"/);
  refuses({ accounts: ['11111111111a'], roles: ['R'] }, /"11111111111a"/);
  refuses({ accounts: ['111111111111'], roles: ['Bad/Role'] }, /role name "Bad\/Role"/);
  refuses({ accounts: ['111111111111'], roles: ['R'.repeat(65)] }, /role name/);
  refuses({ accounts: [], roles: ['R'] }, /--accounts/);
  refuses({ accounts: ['111111111111'], roles: [] }, /--roles/);
  refuses({ accounts: ['111111111111'], roles: ['R'], permissionSetName: 'x'.repeat(33) }, /--name/);
});
