import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';

/**
 * Independent relying parties against the running broker over HTTP: openid-client reads
 * discovery, and jose fetches the JWKS named there and verifies minted tokens the way AWS
 * STS does (issuer, audience, algorithm, the registered claims present).
 */
for (const algorithm of ['RS256', 'ES256'] as const) {
  describe(`an independent relying party verifies ${algorithm} tokens over HTTP`, () => {
    let broker: TestBroker;
    before(async () => {
      broker = await startTestBroker({ config: { keys: { algorithm }, tokens: { subjectTemplate: 'user:{username}' } } });
    });
    after(() => broker?.close());

    test('openid-client discovery accepts the document and its issuer is the broker URL verbatim', async () => {
      const config = await oidc.discovery(new URL(broker.issuer), 'sts.amazonaws.com', undefined, undefined, { execute: [oidc.allowInsecureRequests] });
      const metadata = config.serverMetadata();
      assert.equal(metadata.issuer, broker.issuer);
      assert.equal(metadata.jwks_uri, `${broker.issuer}/openid/v1/jwks`);
      assert.deepEqual(metadata['id_token_signing_alg_values_supported'], [algorithm]);
      assert.deepEqual(metadata['response_types_supported'], ['id_token']);
      assert.deepEqual(metadata['subject_types_supported'], ['public']);
      assert.ok(Array.isArray(metadata['claims_supported']));
    });

    test('jose verifies a minted token against the discovered JWKS, with every required claim', async () => {
      const config = await oidc.discovery(new URL(broker.issuer), 'sts.amazonaws.com', undefined, undefined, { execute: [oidc.allowInsecureRequests] });
      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const minted = await broker.app.services.mintToken({
        subject: 'user:alice',
        audience: 'sts.amazonaws.com',
        ttlSeconds: 900,
        claims: { email: 'alice@example.test', groups: ['data'], 'https://aws.amazon.com/tags': { principal_tags: { team: ['data'] }, transitive_tag_keys: ['team'] } },
        actor: 'test',
        userName: 'alice',
      });
      const { payload, protectedHeader } = await jwtVerify(minted.token, jwks, {
        issuer: broker.issuer,
        audience: 'sts.amazonaws.com',
        algorithms: [algorithm],
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'],
        maxTokenAge: '16m',
      });
      assert.equal(protectedHeader.kid, broker.app.services.keys.signingKey().kid);
      assert.equal(protectedHeader.typ, 'JWT');
      assert.equal(payload.iss, broker.issuer);
      assert.equal(payload.sub, 'user:alice');
      assert.equal(payload.exp! - payload.iat!, 900);
      assert.equal(payload.jti, minted.jti);
      assert.deepEqual(payload['groups'], ['data']);
      assert.deepEqual(payload['https://aws.amazon.com/tags'], { principal_tags: { team: ['data'] }, transitive_tag_keys: ['team'] });
    });

    test('jose refuses a wrong audience, a foreign issuer and a token whose payload was altered', async () => {
      const jwks = createRemoteJWKSet(new URL(`${broker.issuer}/openid/v1/jwks`));
      const { token } = await broker.app.services.mintToken({ subject: 'user:bob', audience: 'sts.amazonaws.com', actor: 'test' });
      await assert.rejects(jwtVerify(token, jwks, { issuer: broker.issuer, audience: 'someone-else' }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
      await assert.rejects(jwtVerify(token, jwks, { issuer: 'https://other.example.test', audience: 'sts.amazonaws.com' }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'user:admin' })).toString('base64url');
      await assert.rejects(jwtVerify(`${header}.${altered}.${signature}`, jwks), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
      assert.equal(decodeProtectedHeader(token).alg, algorithm);
    });
  });
}

describe('discovery, JWKS and operations endpoints', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker({ config: { keys: { jwksCacheSeconds: 120 } } });
  });
  after(() => broker?.close());

  for (const path of ['/.well-known/openid-configuration', '/openid/v1/jwks']) {
    test(`${path}: JSON with Cache-Control and a strong ETag; If-None-Match gives 304 with no body`, async () => {
      const first = await fetch(`${broker.url}${path}`);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('content-type'), 'application/json');
      assert.equal(first.headers.get('cache-control'), 'public, max-age=120');
      assert.equal(first.headers.get('access-control-allow-origin'), '*');
      const etag = first.headers.get('etag');
      assert.match(etag ?? '', /^"[A-Za-z0-9_-]+"$/);
      const body = (await first.json()) as Record<string, unknown>;
      if (path.endsWith('jwks')) assert.equal((body['keys'] as unknown[]).length, 1);
      else assert.equal(body['jwks_uri'], `${broker.issuer}/openid/v1/jwks`);

      const again = await fetch(`${broker.url}${path}`, { headers: { 'if-none-match': etag! } });
      assert.equal(again.status, 304);
      assert.equal(again.headers.get('etag'), etag);
      assert.equal(again.headers.get('cache-control'), 'public, max-age=120');
      assert.equal(await again.text(), '');

      const stale = await fetch(`${broker.url}${path}`, { headers: { 'if-none-match': '"something-else"' } });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
    });
  }

  test('a published key can be fetched by kid; an unknown kid is a 404 naming it, and the key set is unchanged', async () => {
    const before = await (await fetch(`${broker.url}/openid/v1/jwks`)).text();
    const kid = broker.app.services.keys.signingKey().kid;
    const known = await fetch(`${broker.url}/openid/v1/jwks/${kid}`);
    assert.equal(known.status, 200);
    assert.equal(((await known.json()) as { kid: string }).kid, kid);

    const unknown = await fetch(`${broker.url}/openid/v1/jwks/not-a-kid`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { code: 'ERR_KEY_NOT_FOUND', message: 'no published key has kid "not-a-kid"' });
    assert.equal(await (await fetch(`${broker.url}/openid/v1/jwks`)).text(), before);
    assert.equal((await broker.app.services.keys.list()).length, 1);
  });

  test('the key set rotates in place: a new ETag, and the old one no longer matches', async () => {
    const first = await fetch(`${broker.url}/openid/v1/jwks`);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    await broker.app.services.keys.rotate();
    const after = await fetch(`${broker.url}/openid/v1/jwks`, { headers: { 'if-none-match': etag } });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.get('etag'), etag);
    assert.equal(((await after.json()) as { keys: unknown[] }).keys.length, 2);
  });

  test('/healthz and /readyz answer 200 when the database answers and a key is loaded', async () => {
    const health = await fetch(`${broker.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${broker.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', signing_key: 'ok', audit_log: 'ok' } });
  });

  test('/metrics exposes tokens minted, JWKS requests and key states in Prometheus text', async () => {
    const metrics = async () => {
      const response = await fetch(`${broker.url}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    const value = (text: string, series: string): number => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    const before = await metrics();
    for (let i = 0; i < 3; i++) await broker.app.services.mintToken({ subject: 's', audience: 'a', actor: 'test' });
    await (await fetch(`${broker.url}/openid/v1/jwks`)).arrayBuffer();
    const text = await metrics();
    assert.equal(value(text, 'roleport_tokens_minted_total') - (value(before, 'roleport_tokens_minted_total') || 0), 3);
    assert.equal(value(text, 'roleport_jwks_requests_total{document="jwks"}') - value(before, 'roleport_jwks_requests_total{document="jwks"}'), 1);
    assert.ok(value(text, 'roleport_jwks_requests_total{document="discovery"}') >= 1);
    const keys = await broker.app.services.keys.list();
    assert.equal(value(text, 'roleport_signing_keys{state="active"}'), keys.filter((k) => k.state === 'active').length);
    assert.match(text, /^# TYPE roleport_signing_keys gauge$/m);
  });

  test('an unknown route is a JSON 404', async () => {
    const response = await fetch(`${broker.url}/nope?x=1`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { code: 'ERR_NOT_FOUND', message: 'no route for GET /nope' });
  });
});

describe('readiness when the database is gone', () => {
  test('/readyz answers 503 naming the database while /healthz stays 200 and JWKS is still served from memory', async () => {
    const broker = await startTestBroker({ background: false });
    try {
      await broker.app.services.store.close();
      const ready = await fetch(`${broker.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'not ready', checks: { database: 'unreachable', signing_key: 'ok', audit_log: 'not writable' } });
      assert.equal((await fetch(`${broker.url}/healthz`)).status, 200);
      const jwks = await fetch(`${broker.url}/openid/v1/jwks`);
      assert.equal(jwks.status, 200);
      assert.equal(((await jwks.json()) as { keys: unknown[] }).keys.length, 1);
    } finally {
      await broker.close();
    }
  });
});
