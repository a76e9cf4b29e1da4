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

test('frozen claims (a session\'s refreshes) are checked and serialized once per subject and audience: every token still says exactly its own claims', async () => {
  const { clock, mint, jwks } = await setup('ES256');
  const claims = Object.freeze({ email: 'alice@example.test', groups: Object.freeze(['data']), note: 'quote " and \\ and \u2028' });
  const tokens = [];
  for (const [subject, audience] of [['user:alice', 'sts.amazonaws.com'], ['user:alice', 'sts.amazonaws.com'], ['user:alice', ['a1', 'a2']], ['user:alice:other', 'sts.amazonaws.com']] as const) {
    clock.advance(1000);
    const result = await mint({ subject, audience, claims, actor: 'test' });
    const decoded = JSON.parse(Buffer.from(result.token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    // The payload is the JSON of the claims the result reports, key for key and in order.
    assert.equal(Buffer.from(result.token.split('.')[1]!, 'base64url').toString('utf8'), JSON.stringify(result.claims));
    assert.deepEqual(decoded, { ...claims, iss: ISSUER, sub: subject, aud: audience, exp: decoded['iat'] as number + 3600, iat: Math.floor(clock.now() / 1000), nbf: Math.floor(clock.now() / 1000), jti: result.jti });
    await jwtVerify(result.token, jwks, { issuer: ISSUER, subject, currentDate: new Date(clock.now()) });
    tokens.push(result);
  }
  assert.equal(new Set(tokens.map((t) => t.jti)).size, tokens.length);
  // Frozen claims that hold a reserved name, or an unsafe subject with them, are refused like any others.
  await assert.rejects(mint({ subject: 'user:alice', audience: 'a', claims: Object.freeze({ sub: 'admin' }), actor: 'test' }), /claim sub is set by the issuer/);
  await assert.rejects(mint({ subject: 'user:alice\u0000', audience: 'sts.amazonaws.com', claims, actor: 'test' }), /sub must not contain control characters/);
});

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

for (const alg of ['RS256', 'ES256'] as const) {
  test(`${alg}: tokens signed on the event loop and on the thread pool both verify with jose, many at once`, async () => {
    const key = await generateSigningKey({ alg });
    const jwks = createLocalJWKSet({ keys: [key.publicJwk] });
    for (const signingPlace of ['event-loop', 'thread-pool'] as const) {
      const committed: AuditEvent[] = [];
      const clock = new ManualClock();
      const mint = createMinter({
        issuer: ISSUER,
        clock,
        events: { record: () => {}, commit: async (event) => void committed.push(event) },
        signingKey: () => key,
        defaultTtlSeconds: 3600,
        maxTtlSeconds: 7200,
        signingPlace,
      });
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => mint({ subject: `user:u${i}`, audience: 'sts.amazonaws.com', actor: 'test' })));
      for (const [i, result] of results.entries()) {
        const { payload } = await jwtVerify(result.token, jwks, { issuer: ISSUER, algorithms: [alg], currentDate: new Date(clock.now()) });
        assert.equal(payload.sub, `user:u${i}`, signingPlace);
      }
      assert.equal(committed.length, 16, `${signingPlace}: one committed audit row per token`);
    }
  });
}

test('P-256 signatures from DER to JWS: r and s of every length verify as IEEE P1363 (leading zero bytes dropped, sign bytes cut)', async () => {
  const { generateKeyPairSync, sign, verify } = await import('node:crypto');
  const { p256DerToJws } = await import('./jws-signer.ts');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const lengths = new Set<number>();
  // About 1 in 128 signatures has an r or s that is not 32 bytes in DER (33 with a sign byte is common; 31 or less is not).
  for (let i = 0; i < 3000; i++) {
    const data = Buffer.from(`signing input ${i}`);
    const der = sign('sha256', data, privateKey);
    lengths.add(der[3]!);
    const jws = p256DerToJws(der);
    assert.equal(jws.length, 64);
    assert.ok(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jws), `signature ${i}`);
  }
  assert.ok(lengths.has(33) && lengths.has(32), `r lengths seen: ${[...lengths].join(', ')}`);
});
