import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleportError } from '../core/index.ts';
import { buildSessionTags, renderSourceIdentity } from './session-tags.ts';
import type { SessionTagSettings, SessionUser } from './types.ts';

const alice: SessionUser = {
  username: 'alice',
  email: 'alice@example.com',
  name: "Alice O'Example",
  groups: ['data-science', 'engineering', 'secret-project'],
  roles: [],
  admin: false,
  attributes: { department: 'R&D', cost_center: '4711' },
};

const context = { user: alice, sessionId: 'ses_0123456789abcdef0123', roleArn: 'arn:aws:iam::111111111111:role/DataScientist', region: 'eu-west-1', tokenSource: 'broker' as const };

const none: SessionTagSettings = { user: [], session: [], transitiveTagKeys: [] };

test('no allow-listed attribute: no tags claim at all', () => {
  assert.equal(buildSessionTags(none, context), undefined);
  assert.equal(buildSessionTags({ ...none, user: ['missing_claim'] }, context), undefined);
});

test('user, group and session attributes become single-valued principal tags', () => {
  const claim = buildSessionTags(
    {
      user: ['username', 'email', 'name', 'department', 'missing_claim'],
      group: { key: 'groups', allow: ['data-science', 'engineering'] },
      session: ['session_id', 'role_name', 'account_id', 'region', 'token_source'],
      transitiveTagKeys: ['username', 'not_present'],
    },
    context,
  );
  assert.deepEqual(claim, {
    principal_tags: {
      username: ['alice'],
      email: ['alice@example.com'],
      // STS allows letters, digits, spaces and _.:/=+-@ in values; anything else becomes _.
      name: ['Alice O_Example'],
      department: ['R_D'],
      groups: ['data-science:engineering'],
      session_id: ['ses_0123456789abcdef0123'],
      role_name: ['DataScientist'],
      account_id: ['111111111111'],
      region: ['eu-west-1'],
      token_source: ['broker'],
    },
    transitive_tag_keys: ['username'],
  });
});

test('group "*" allows every group; values are cut to 256 characters', () => {
  const many = { ...alice, groups: Array.from({ length: 40 }, (_, i) => `group-number-${i}`) };
  const claim = buildSessionTags({ ...none, group: { key: 'Teams', allow: ['*'] } }, { ...context, user: many });
  const value = claim?.principal_tags['Teams']?.[0] ?? '';
  assert.equal(value.length, 256);
  assert.ok(value.startsWith('group-number-0:group-number-1:'));
});

test('tag keys are checked: reserved aws: prefix, bad characters, duplicates differing in case', () => {
  const refused = (settings: SessionTagSettings, pattern: RegExp): void =>
    assert.throws(() => buildSessionTags(settings, context), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && pattern.test(error.message));
  refused({ ...none, group: { key: 'aws:groups', allow: ['*'] } }, /reserved/);
  refused({ ...none, group: { key: 'bad#key', allow: ['*'] } }, /tag key/);
  refused({ ...none, user: ['username'], group: { key: 'Username', allow: ['*'] } }, /differ only in case/);
});

test('more than 50 tags is refused', () => {
  const attributes = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`attr${i}`, `v${i}`]));
  assert.throws(
    () => buildSessionTags({ ...none, user: Object.keys(attributes) }, { ...context, user: { ...alice, attributes } }),
    (error: unknown) => error instanceof RoleportError && /at most 50/.test(error.message),
  );
});

test('source identity renders from the user and follows STS rules', () => {
  assert.equal(renderSourceIdentity('{username}', alice, context.sessionId), 'alice');
  assert.equal(renderSourceIdentity('{email}', alice, context.sessionId), 'alice@example.com');
  assert.equal(renderSourceIdentity('{name}', alice, context.sessionId), 'Alice-O-Example');
  assert.throws(() => renderSourceIdentity('{nickname}', alice, context.sessionId), /no value for \{nickname\}/);
});
