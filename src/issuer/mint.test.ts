import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ManualClock, RoleportError, type AuditEvent } from '../core/index.ts';
import { createMinter, timeOrderedUuid, type MintOptions } from './mint.ts';
import { generateSigningKey, type SigningAlgorithm } from './signing-key.ts';

const ISSUER = 'https://broker.example.test/tenant';

async function setup(alg: SigningAlgorithm) {
  const key = await generateSigningKey({ alg });
  const clock = new ManualClock();
  const events: AuditEvent[] = [];
  let minted = 0;
  const mint = createMinter({
    issuer: ISSUER,
    clock,
    events: { record: (event) => events.push(event), commit: async (event) => void events.push(event) },
    signingKey: () => key,
    defaultTtlSeconds: 3600,
    maxTtlSeconds: 7200,
    onMint: () => minted++,
  });
  const jwks = createLocalJWKSet({ keys: [key.publicJwk] });
  return { key, clock, events, mint, jwks, minted: () => minted };
}

for (const alg of ['RS256', 'ES256'] as const) {
  test(`${alg}: a minted token verifies with jose and carries the registered claims plus the caller's`, async () => {
    const { key, clock, events, mint, jwks, minted } = await setup(alg);
    const result = await mint({
      subject: 'user:alice',
      audience: 'sts.amazonaws.com',
      ttlSeconds: 900,
      claims: { email: 'alice@example.test', groups: ['data', 'admins'] },
      actor: 'test',
      userName: 'alice',
      sessionId: 'ws-1',
    });
    const { payload, protectedHeader } = await jwtVerify(result.token, jwks, {
      issuer: ISSUER,
      audience: 'sts.amazonaws.com',
      algorithms: [alg],
      currentDate: new Date(clock.now()),
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'],
    });
    const now = Math.floor(clock.now() / 1000);
    assert.deepEqual(protectedHeader, { alg, kid: key.kid, typ: 'JWT' });
    assert.equal(payload.sub, 'user:alice');
    assert.equal(payload.aud, 'sts.amazonaws.com');
    assert.equal(payload.iat, now);
    assert.equal(payload.nbf, now);
    assert.equal(payload.exp, now + 900);
    assert.equal(payload.jti, result.jti);
    assert.equal(payload['email'], 'alice@example.test');
    assert.deepEqual(payload['groups'], ['data', 'admins']);
    assert.deepEqual(result.claims, payload);
    assert.equal(result.kid, key.kid);
    assert.equal(result.expiresAt, now + 900);
    assert.equal(minted(), 1);
    assert.deepEqual(events, [
      {
        type: 'token.minted',
        actor: 'test',
        occurredAt: clock.now(),
        userName: 'alice',
        sessionId: 'ws-1',
        roleArn: undefined,
        jti: result.jti,
        kid: key.kid,
        subject: 'user:alice',
        audience: 'sts.amazonaws.com',
        expiresAt: (now + 900) * 1000,
      },
    ]);
  });
}

test('several audiences become an array; the default lifetime applies when none is given', async () => {
  const { clock, mint, jwks } = await setup('RS256');
  const result = await mint({ subject: 's', audience: ['a', 'b'], actor: 'test' });
  const { payload } = await jwtVerify(result.token, jwks, { audience: 'b', currentDate: new Date(clock.now()) });
  assert.deepEqual(payload.aud, ['a', 'b']);
  assert.equal(payload.exp! - payload.iat!, 3600);
});

test('each token gets its own jti, a UUIDv7 whose time is the mint time', async () => {
  const { mint, clock } = await setup('ES256');
  const jtis = await Promise.all(Array.from({ length: 50 }, async () => (await mint({ subject: 's', audience: 'a', actor: 'test' })).jti));
  assert.equal(new Set(jtis).size, 50);
  for (const jti of jtis) {
    assert.match(jti, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(jti.replace(/-/g, '').slice(0, 12), 16), clock.now());
  }
});

test('UUIDv7 values sort by time, so the audit index grows at its end', () => {
  const t = Date.parse('2026-01-01T00:00:00Z');
  const ids = [t, t + 1, t + 1000, t + 86_400_000].map((ms) => timeOrderedUuid(ms));
  assert.deepEqual([...ids].sort(), ids);
});

test('the ES256 signature is raw R||S (64 bytes), as JWS requires, not DER', async () => {
  const { mint } = await setup('ES256');
  const { token } = await mint({ subject: 's', audience: 'a', actor: 'test' });
  assert.equal(decodeProtectedHeader(token).alg, 'ES256');
  assert.equal(Buffer.from(token.split('.')[2]!, 'base64url').length, 64);
});

test('a token minted at one time is refused by a verifier once the clock passes exp', async () => {
  const { clock, mint, jwks } = await setup('RS256');
  const { token } = await mint({ subject: 's', audience: 'a', ttlSeconds: 60, actor: 'test' });
  clock.advance(61_000);
  await assert.rejects(jwtVerify(token, jwks, { currentDate: new Date(clock.now()) }), { code: 'ERR_JWT_EXPIRED' });
});

const badInput: Array<{ name: string; options: Partial<MintOptions>; message: RegExp }> = [
  { name: 'a lifetime above the maximum', options: { ttlSeconds: 7201 }, message: /ttl must be .* between 1 and 7200/ },
  { name: 'a zero lifetime', options: { ttlSeconds: 0 }, message: /ttl must be/ },
  { name: 'a fractional lifetime', options: { ttlSeconds: 1.5 }, message: /ttl must be/ },
  { name: 'an empty subject', options: { subject: '' }, message: /sub must not be empty/ },
  { name: 'no audience', options: { audience: [] }, message: /aud must not be empty/ },
  { name: 'an empty audience', options: { audience: ['a', ''] }, message: /aud must not be empty/ },
  { name: 'a caller-set iss', options: { claims: { iss: 'https://evil.example' } }, message: /claim iss is set by the issuer/ },
  { name: 'a caller-set exp', options: { claims: { exp: 9999999999 } }, message: /claim exp is set by the issuer/ },
];

for (const c of badInput) {
  test(`minting refuses ${c.name} with ERR_INPUT_INVALID and records nothing`, async () => {
    const { mint, events, minted } = await setup('RS256');
    await assert.rejects(
      () => mint({ subject: 'user:alice', audience: 'a', actor: 'test', ...c.options }),
      (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && error.status === 400 && c.message.test(error.message),
    );
    assert.equal(events.length, 0);
    assert.equal(minted(), 0);
  });
}

test('without an active key, minting fails with the key manager error instead of signing', async () => {
  const mint = createMinter({
    issuer: ISSUER,
    clock: new ManualClock(),
    events: { record: () => assert.fail('nothing may be recorded'), commit: () => assert.fail('nothing may be recorded') },
    signingKey: () => {
      throw new RoleportError('ERR_KEY_NO_ACTIVE', 'no active signing key is loaded');
    },
    defaultTtlSeconds: 3600,
    maxTtlSeconds: 7200,
  });
  await assert.rejects(() => mint({ subject: 's', audience: 'a', actor: 'test' }), { code: 'ERR_KEY_NO_ACTIVE' });
});
