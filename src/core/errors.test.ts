import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleportError } from './errors.ts';

test('one expose rule: a message reaches the caller exactly when the status is below 500', () => {
  assert.equal(new RoleportError('ERR_INPUT_INVALID', 'bad').expose, true);
  assert.equal(new RoleportError('ERR_CONFIG_INVALID', 'bad key').expose, false);
  assert.equal(new RoleportError('ERR_SSO_UNREACHABLE', 'idp down').expose, false);
  assert.equal(new RoleportError('ERR_STS_REFUSED', 'refused', { status: 403 }).expose, true);
  assert.equal(new RoleportError('ERR_STS_REFUSED', 'internal', { status: 500 }).expose, false);
});
