import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCelEvaluator, extractTemplate, renameGoogleVariable } from './cel.ts';

test("extract(): the text between the template's prefix and suffix (Google's attribute mapping example)", () => {
  const arn = 'arn:aws:sts::123456789012:assumed-role/MyRole/session';
  assert.equal(extractTemplate(arn, '{account_arn}assumed-role/'), 'arn:aws:sts::123456789012:');
  assert.equal(extractTemplate(arn, 'assumed-role/{role_name}/'), 'MyRole');
  assert.equal(extractTemplate('user:alice:gcp:analytics', ':gcp:{target}'), 'analytics');
  assert.equal(extractTemplate('no match here', 'role/{x}/'), '');
});

test('google.* references are renamed outside string literals only', () => {
  assert.equal(renameGoogleVariable("'admins' in google.groups"), "'admins' in __google_attributes__.groups");
  assert.equal(renameGoogleVariable("assertion.google == 'google.subject'"), "assertion.google == 'google.subject'");
});

test('mapping and condition expressions evaluate over assertion, google and attribute', () => {
  const cel = createCelEvaluator();
  const claims = { sub: 'user:alice:gcp:analytics', roleport_target: 'analytics', groups: ['admins'], exp: 1_900_000_000 };
  assert.equal(cel.evaluate('assertion.sub', { assertion: claims }), 'user:alice:gcp:analytics');
  assert.equal(cel.evaluate("assertion.sub.extract('user:{u}:gcp')", { assertion: claims }), 'alice');
  assert.equal(cel.evaluate("'admins' in google.groups && attribute.target == 'analytics' && assertion.exp > 5", { assertion: claims, google: { groups: ['admins'] }, attribute: { target: 'analytics' } }), true);
  assert.throws(() => cel.evaluate('assertion.missing', { assertion: claims }), /No such key/);
  assert.throws(() => cel.evaluate('assertion.sub ===', { assertion: claims }));
});
