import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIssuerDocuments, DISCOVERY_PATH, JWKS_PATH } from './documents.ts';
import { generateSigningKey, importSigningKey, exportPrivateKeyPem } from './signing-key.ts';
import { renderSubject } from './subject-template.ts';
import { RoleportError } from '../core/index.ts';

test('discovery names the issuer verbatim, points jwks_uri at /openid/v1/jwks and lists what AWS reads', async () => {
  const rsa = await generateSigningKey({ alg: 'RS256' });
  const ec = await generateSigningKey({ alg: 'ES256' });
  const documents = buildIssuerDocuments({ issuer: 'https://id.example.test/path', publishedKeys: [rsa.publicJwk, ec.publicJwk] });
  const discovery = JSON.parse(documents.discovery.body.toString()) as Record<string, unknown>;
  assert.equal(discovery['issuer'], 'https://id.example.test/path');
  assert.equal(discovery['jwks_uri'], 'https://id.example.test/path/openid/v1/jwks');
  assert.equal(JWKS_PATH, '/openid/v1/jwks');
  assert.equal(DISCOVERY_PATH, '/.well-known/openid-configuration');
  assert.deepEqual(discovery['response_types_supported'], ['id_token']);
  assert.deepEqual(discovery['subject_types_supported'], ['public']);
  assert.deepEqual(discovery['id_token_signing_alg_values_supported'], ['RS256', 'ES256']);
  for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti']) assert.ok((discovery['claims_supported'] as string[]).includes(claim), claim);
  const jwks = JSON.parse(documents.jwks.body.toString()) as { keys: Array<Record<string, unknown>> };
  assert.deepEqual(jwks.keys.map((k) => k['kid']), [rsa.kid, ec.kid]);
  assert.deepEqual(documents.keysByKid.get(ec.kid)?.body, Buffer.from(JSON.stringify(ec.publicJwk)));
});

test('the JWKS carries public parts only', async () => {
  for (const alg of ['RS256', 'ES256'] as const) {
    const key = await generateSigningKey({ alg });
    const jwks = JSON.parse(buildIssuerDocuments({ issuer: 'https://i', publishedKeys: [key.publicJwk] }).jwks.body.toString()) as { keys: Array<Record<string, unknown>> };
    const published = jwks.keys[0]!;
    for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(published[privateMember], undefined, `${alg} leaks ${privateMember}`);
    assert.equal(published['use'], 'sig');
    assert.equal(published['alg'], alg);
    assert.equal(published['kty'], alg === 'RS256' ? 'RSA' : 'EC');
  }
});

test('ETags are strong, stable for the same bytes and change with the key set', async () => {
  const a = await generateSigningKey({ alg: 'ES256' });
  const b = await generateSigningKey({ alg: 'ES256' });
  const one = buildIssuerDocuments({ issuer: 'https://i', publishedKeys: [a.publicJwk] });
  const again = buildIssuerDocuments({ issuer: 'https://i', publishedKeys: [a.publicJwk] });
  const two = buildIssuerDocuments({ issuer: 'https://i', publishedKeys: [a.publicJwk, b.publicJwk] });
  assert.match(one.jwks.etag, /^"[A-Za-z0-9_-]+"$/);
  assert.equal(one.jwks.etag, again.jwks.etag);
  assert.notEqual(one.jwks.etag, two.jwks.etag);
  assert.notEqual(one.discovery.etag, one.jwks.etag);
});

test('a stored key re-imports to the same kid (RFC 7638 thumbprint) and public JWK', async () => {
  for (const alg of ['RS256', 'ES256'] as const) {
    const key = await generateSigningKey({ alg });
    const imported = await importSigningKey(exportPrivateKeyPem(key), alg);
    assert.equal(imported.kid, key.kid);
    assert.deepEqual(imported.publicJwk, key.publicJwk);
    assert.match(key.kid, /^[A-Za-z0-9_-]{43}$/);
  }
});

test('RSA keys are 2048 bits by default and may be larger', async () => {
  const small = await generateSigningKey({ alg: 'RS256' });
  assert.equal(small.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
  const large = await generateSigningKey({ alg: 'RS256', rsaModulusLength: 3072 });
  assert.equal(large.privateKey.asymmetricKeyDetails?.modulusLength, 3072);
});

const subjects: Array<{ template: string; values: Record<string, string | undefined>; expected: string | RegExp }> = [
  { template: 'user:{username}', values: { username: 'alice' }, expected: 'user:alice' },
  { template: 'repo:{repository}:ref:{ref}', values: { repository: 'org/app', ref: 'main' }, expected: 'repo:org/app:ref:main' },
  { template: 'static', values: {}, expected: 'static' },
  { template: 'user:{username}', values: {}, expected: /no value for \{username\}/ },
  { template: 'user:{username}', values: { username: '' }, expected: /no value for \{username\}/ },
];

for (const c of subjects) {
  test(`renderSubject ${c.template} with ${JSON.stringify(c.values)}`, () => {
    if (typeof c.expected === 'string') assert.equal(renderSubject(c.template, c.values), c.expected);
    else assert.throws(() => renderSubject(c.template, c.values), (e: unknown) => e instanceof RoleportError && e.code === 'ERR_INPUT_INVALID' && (c.expected as RegExp).test(e.message));
  });
}
