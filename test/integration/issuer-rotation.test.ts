import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ManualClock } from '../../src/core/index.ts';
import type { KeySummary } from '../../src/issuer/index.ts';
import { dropDatabase, testPostgres, type PostgresHandle } from '../helpers/postgres.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';

/**
 * Key rotation over days of simulated time, observed the way a verifier sees it: through
 * the broker's HTTP JWKS. The clock only moves when the test moves it; each step then runs
 * the lifecycle pass the broker's timer would run (`keys.refresh()`).
 */
const SECOND = 1000;
const JWKS_CACHE = 300;
const MAX_TTL = 3600;
const ROTATION_INTERVAL = 86_400;
const CHECK_INTERVAL = 5;
/** A next key signs only after every replica has published it (one check) and verifiers' caches expired. */
const PRE_PUBLICATION = JWKS_CACHE + CHECK_INTERVAL;
/** How long a retired key stays published: the longest token lifetime plus AWS's 5-minute skew. */
const RETENTION = MAX_TTL + 300;

const config = {
  keys: { jwksCacheSeconds: JWKS_CACHE, checkIntervalSeconds: CHECK_INTERVAL, rotationIntervalSeconds: ROTATION_INTERVAL, algorithm: 'ES256' as const },
  tokens: { maxTtlSeconds: MAX_TTL, defaultTtlSeconds: MAX_TTL },
};

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`signing key rotation over time on ${backend}`, () => {
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    let dataDir: string;
    let pg: PostgresHandle | undefined;
    let broker: TestBroker;

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'roleport-rotation-'));
      if (backend === 'postgres') pg = await testPostgres();
      broker = await start();
    });
    after(async () => {
      await broker?.close();
      await pg?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    function start(port?: number): Promise<TestBroker> {
      return startTestBroker({ clock, dataDir, config, background: false, ...(pg === undefined ? {} : { databaseUrl: pg.url }), ...(port === undefined ? {} : { port }) });
    }

    const services = () => broker.app.services;
    const mint = (ttlSeconds = MAX_TTL) => services().mintToken({ subject: 'user:alice', audience: 'sts.amazonaws.com', ttlSeconds, actor: 'test' });
    const tick = async (ms: number): Promise<void> => {
      clock.advance(ms);
      await services().keys.refresh();
    };
    const publishedKids = async (): Promise<string[]> => {
      const response = await fetch(`${broker.url}/openid/v1/jwks`);
      assert.equal(response.status, 200);
      return ((await response.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid).sort();
    };
    /** Verifies like a relying party with an empty cache, at the simulated time. */
    const verify = (token: string) =>
      jwtVerify(token, createRemoteJWKSet(new URL(`${broker.url}/openid/v1/jwks`)), {
        issuer: broker.issuer,
        audience: 'sts.amazonaws.com',
        currentDate: new Date(clock.now()),
        requiredClaims: ['exp', 'iat', 'nbf', 'jti', 'sub'],
      });
    const states = async (): Promise<Record<string, KeySummary['state']>> => Object.fromEntries((await services().keys.list()).map((k) => [k.kid, k.state]));

    test('next → active → retired → removed, with tokens of the previous key verifying while valid', async () => {
      const a = services().keys.signingKey().kid;
      assert.deepEqual(await publishedKids(), [a]);
      const early = await mint();
      await verify(early.token);

      // The active key reaches the rotation interval: a next key is published, not signing.
      await tick(ROTATION_INTERVAL * SECOND);
      const keysAfterSchedule = await services().keys.list();
      const b = keysAfterSchedule.find((k) => k.state === 'next')!.kid;
      assert.deepEqual(await states(), { [a]: 'active', [b]: 'next' });
      assert.deepEqual(await publishedKids(), [a, b].sort(), 'the next key is in JWKS before it signs');
      const beforeSwitch = await mint();
      assert.equal(beforeSwitch.kid, a);

      // One second short of the pre-publication window it still does not sign.
      await tick((PRE_PUBLICATION - 1) * SECOND);
      const lastOfA = await mint();
      assert.equal(lastOfA.kid, a);
      assert.equal(decodeProtectedHeader(lastOfA.token).kid, a);

      // The window has passed: the next key signs, the old one is retired but still published.
      await tick(SECOND);
      assert.deepEqual(await states(), { [a]: 'retired', [b]: 'active' });
      const firstOfB = await mint();
      assert.equal(firstOfB.kid, b);
      const summary = (await services().keys.list()).find((k) => k.kid === b)!;
      assert.equal(summary.activatedAt! - summary.createdAt, PRE_PUBLICATION * SECOND, 'published for the JWKS cache time plus one check before signing');
      assert.deepEqual(await publishedKids(), [a, b].sort());
      await verify(lastOfA.token);
      await verify(beforeSwitch.token);
      await verify(firstOfB.token);

      // The retired key stays published through its last token's expiry plus the skew.
      const retiredA = (await services().keys.list()).find((k) => k.kid === a)!;
      assert.equal(retiredA.removeAfter, retiredA.retiredAt! + RETENTION * SECOND);
      assert.ok(retiredA.removeAfter! >= lastOfA.expiresAt * SECOND + 300 * SECOND - SECOND);
      await tick(lastOfA.expiresAt * SECOND - clock.now() - SECOND);
      assert.ok((await publishedKids()).includes(a));
      await verify(lastOfA.token);
      await tick(retiredA.removeAfter! - clock.now() - 1);
      assert.ok((await publishedKids()).includes(a), 'still published one millisecond before its removal time');
      await assert.rejects(verify(lastOfA.token), { code: 'ERR_JWT_EXPIRED' });

      await tick(1);
      assert.deepEqual(await publishedKids(), [b], 'removed once every token it signed has expired');
      assert.deepEqual(await states(), { [b]: 'active' });
      await assert.rejects(verify(lastOfA.token), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
      await verify((await mint()).token);
    });

    test('a restart on the same data keeps every key in every state, and tokens keep verifying', async () => {
      await services().keys.rotate(); // a next key beside the active one
      const stillValid = await mint(600);
      const activeBefore = services().keys.signingKey().kid;
      await tick(PRE_PUBLICATION * SECOND); // the next key takes over; the old one is retired
      const signedByNew = await mint(600);
      await services().keys.rotate(); // and another next key
      const before = await services().keys.list();
      assert.deepEqual(before.map((k) => k.state).sort(), ['active', 'next', 'retired']);
      const jwksBefore = await publishedKids();

      const port = broker.port;
      await broker.close();
      broker = await start(port);

      assert.deepEqual(await services().keys.list(), before);
      assert.deepEqual(await publishedKids(), jwksBefore);
      assert.notEqual(services().keys.signingKey().kid, activeBefore);
      assert.equal(services().keys.signingKey().kid, signedByNew.kid);
      await verify(stillValid.token);
      await verify(signedByNew.token);
      assert.equal((await mint()).kid, signedByNew.kid);
    });

    test('rotate --immediate: a new key signs at once, the previous one is retired and still published', async () => {
      const previous = services().keys.signingKey().kid;
      const old = await mint(600);
      const pending = (await services().keys.list()).find((k) => k.state === 'next')?.kid;
      const list = await services().keys.rotate({ immediate: true });
      const active = list.filter((k) => k.state === 'active');
      assert.equal(active.length, 1);
      assert.notEqual(active[0]!.kid, previous);
      assert.equal(active[0]!.kid, pending ?? active[0]!.kid, 'a pending next key is the one promoted');
      assert.equal(list.find((k) => k.kid === previous)?.state, 'retired');
      const fresh = await mint(600);
      assert.equal(fresh.kid, active[0]!.kid);
      assert.ok((await publishedKids()).includes(previous));
      await verify(old.token);
      await verify(fresh.token);
      await services().audit.flush();
      const [rotated] = await services().repositories.auditEvents.query({ type: 'key.rotated', limit: 1 });
      assert.deepEqual(rotated?.details, { immediate: true });
    });

    test('every minted token is in the audit log with its kid, jti, audience, subject and expiry', async () => {
      const minted = await mint(120);
      await services().audit.flush();
      const [event] = await services().repositories.auditEvents.query({ jti: minted.jti });
      assert.deepEqual(
        { type: event?.type, actor: event?.actor, kid: event?.kid, subject: event?.subject, audience: event?.audience, expiresAt: event?.expiresAt },
        { type: 'token.minted', actor: 'test', kid: minted.kid, subject: 'user:alice', audience: 'sts.amazonaws.com', expiresAt: minted.expiresAt * SECOND },
      );
    });

    if (backend === 'postgres') {
      test('PostgreSQL unreachable: /readyz answers 503 while JWKS is still served from memory', async () => {
        await dropDatabase(pg!.url); // terminates the broker's connections and removes the database
        const ready = await fetch(`${broker.url}/readyz`);
        assert.equal(ready.status, 503);
        assert.deepEqual(await ready.json(), { status: 'not ready', checks: { database: 'unreachable', signing_key: 'ok', audit_log: 'not writable' } });
        assert.equal((await fetch(`${broker.url}/openid/v1/jwks`)).status, 200);
      });
    }
  });
}
