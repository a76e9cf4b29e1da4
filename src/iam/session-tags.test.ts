import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StsError } from './sts-errors.ts';
import { packedPolicySize, readSourceIdentityClaim, readTagsClaim, TAGS_CLAIM, SOURCE_IDENTITY_CLAIM } from './session-tags.ts';

function code(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof StsError);
    return error.awsCode;
  }
  return 'accepted';
}

test('the tags claim: one value per tag, transitive keys among the tags', () => {
  assert.equal(readTagsClaim({}), undefined);
  assert.deepEqual(readTagsClaim({ [TAGS_CLAIM]: { principal_tags: { team: ['data'], cost: ['42'] }, transitive_tag_keys: ['team', 'team'] } }), {
    tags: { team: 'data', cost: '42' },
    transitiveTagKeys: ['team'],
  });
});

test('malformed tags claims are InvalidIdentityToken; too many tags PackedPolicyTooLarge', () => {
  const claim = (value: unknown) => () => readTagsClaim({ [TAGS_CLAIM]: value });
  assert.equal(code(claim('team=data')), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: { team: 'data' } })), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: { team: ['a', 'b'] } })), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: { 'aws:team': ['a'] } })), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: { Team: ['a'], team: ['b'] } })), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: { team: ['a'] }, transitive_tag_keys: ['cost'] })), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: { team: ['a'] }, extra: 1 })), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: { team: ['x'.repeat(257)] } })), 'InvalidIdentityToken');
  assert.equal(code(claim({ principal_tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ['v']])) })), 'PackedPolicyTooLarge');
});

test('source identity: 2-64 of [\\w+=,.@-], not aws:', () => {
  assert.equal(readSourceIdentityClaim({ [SOURCE_IDENTITY_CLAIM]: 'alice@example.com' }), 'alice@example.com');
  for (const bad of ['a', 'has space', 'aws:alice', 42]) assert.equal(code(() => readSourceIdentityClaim({ [SOURCE_IDENTITY_CLAIM]: bad })), 'InvalidIdentityToken', String(bad));
});

test('PackedPolicySize is absent without policy or tags, a percentage otherwise, refused past 100', () => {
  assert.equal(packedPolicySize(undefined, {}), undefined);
  assert.equal(packedPolicySize(undefined, { team: 'data' }), 1);
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(1900)}` }] });
  assert.ok((packedPolicySize(policy, {}) ?? 0) > 45);
  const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key-${i}-${'k'.repeat(100)}`, 'v'.repeat(200)]));
  assert.equal(code(() => packedPolicySize(policy, big)), 'PackedPolicyTooLarge');
});
