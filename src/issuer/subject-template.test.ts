import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleportError } from '../core/index.ts';
import { assertSubjectTemplate, parseSubjectTemplate, renderSubject, subjectTemplateBinding, type SubjectBinding } from './subject-template.ts';

test('a template splits into literal text and placeholders, in order', () => {
  assert.deepEqual(parseSubjectTemplate('user:{username}:role:{account_id}:{role_name}'), [
    { literal: 'user:' },
    { placeholder: 'username' },
    { literal: ':role:' },
    { placeholder: 'account_id' },
    { literal: ':' },
    { placeholder: 'role_name' },
  ]);
  assert.deepEqual(parseSubjectTemplate('{a}{b}'), [{ placeholder: 'a' }, { placeholder: 'b' }]);
});

test('the rendered sub must be 6-255 characters, as STS returns it (SubjectFromWebIdentityToken)', () => {
  assert.equal(renderSubject('{u}', { u: 'abcdef' }), 'abcdef');
  assert.equal(renderSubject('{u}', { u: 'x'.repeat(255) }).length, 255);
  for (const value of ['abcde', 'x'.repeat(256)]) {
    assert.throws(() => renderSubject('{u}', { u: value }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && /STS takes 6-255/.test(error.message));
  }
});

const bindings: Array<[string, SubjectBinding['kind'], RegExp?]> = [
  ['user:{username}:role:{account_id}:{role_name}', 'bound'],
  ['role:{account_id}/{role_name}:user:{username}', 'bound'],
  ['{account_id}:{role_name}', 'bound'],
  ['user:{username}', 'unbound'],
  ['static-subject', 'unbound'],
  // A role name alone is reused in other accounts.
  ['user:{username}:role:{role_name}', 'invalid', /\{account_id\} exactly once/],
  ['{account_id}:{role_name}:{account_id}', 'invalid', /\{account_id\} exactly once \(it has 2\)/],
  // Wildcards on both sides: a username could carry another role's part in the middle.
  ['{username}:{account_id}:{role_name}:{email}', 'invalid', /at the start or the end/],
  ['{account_id}:{username}:{role_name}', 'invalid', /another placeholder between/],
  // Unfenced: "Data" + "ScientistX" would imitate "DataScientist" + "X".
  ['user:{username}:{account_id}:{role_name}{session_id}', 'invalid', /another placeholder between|at the start or the end/],
  ['user:{username}:{account_id}:x{role_name}', 'invalid', /\{role_name\} must be separated/],
  ['user:{username}:{account_id}.{role_name}', 'invalid', /must be separated/],
];

for (const [template, kind, problem] of bindings) {
  test(`subject template ${template} is ${kind}`, () => {
    const binding = subjectTemplateBinding(template);
    assert.equal(binding.kind, kind);
    if (binding.kind === 'invalid') {
      assert.match(binding.problem, problem!);
      assert.throws(() => assertSubjectTemplate(template), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && problem!.test(error.message));
    }
  });
}

test('the role part is anchored where no other placeholder follows (suffix) or precedes (prefix)', () => {
  assert.deepEqual(subjectTemplateBinding('user:{username}:role:{account_id}:{role_name}'), { kind: 'bound', anchor: 'suffix' });
  assert.deepEqual(subjectTemplateBinding('role:{account_id}/{role_name}:user:{username}'), { kind: 'bound', anchor: 'prefix' });
});
