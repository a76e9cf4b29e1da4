import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { isRoleportError } from '../../src/core/index.ts';
import { testPostgres, type PostgresHandle } from '../helpers/postgres.ts';
import { demoUsers, startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, freePort, homePage, rolesOnPage, signInHeadless, startSsoBroker, type SsoBroker } from './sso-fixtures.ts';

/**
 * Refresh of the IdP tokens: rotation stored atomically, serialized per user in the database
 * so that two brokers never spend one refresh token twice. The test IdP rotates refresh
 * tokens and, like Okta and Entra, revokes the whole grant when a rotated one is reused, so a
 * double spend would make every later refresh fail.
 */
for (const database of ['postgres', 'sqlite'] as const) {
  describe(`SSO token refresh on ${database === 'postgres' ? 'PostgreSQL with two brokers' : 'SQLite with one broker'}`, () => {
    let idp: TestIdp;
    let postgres: PostgresHandle | undefined;
    let brokerA: SsoBroker;
    let brokerB: SsoBroker;

    before(async () => {
      const [portA, portB] = [await freePort(), await freePort()];
      idp = await startTestIdp({
        clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${portA}/auth/callback`] }],
        users: demoUsers.map((user) => ({ ...user, claims: { ...user.claims } })),
      });
      const masterKey = randomBytes(32).toString('base64');
      let databaseUrl: string | undefined;
      if (database === 'postgres') {
        postgres = await testPostgres();
        databaseUrl = postgres.url;
      }
      brokerA = await startSsoBroker({ idpIssuer: idp.issuer, port: portA, masterKey, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
      // A replica: same public URL, database and master key, its own process state and port.
      // SQLite is the one-process deployment (replicas need PostgreSQL): there, "both" brokers are the one.
      brokerB = databaseUrl === undefined ? brokerA : await startSsoBroker({ idpIssuer: idp.issuer, port: portB, masterKey, databaseUrl, publicUrl: brokerA.url });
    });
    after(async () => {
      if (brokerB !== brokerA) await brokerB?.close();
      await brokerA?.close();
      await postgres?.stop();
      await idp?.close();
    });

    async function signIn(username: string): Promise<string> {
      const jar = new CookieJar();
      assert.equal((await signInHeadless(brokerA, idp, jar, username)).status, 303);
      return (await brokerA.app.services.users.findByUsername(username))!.id;
    }

    function storedRefreshToken(broker: SsoBroker, userId: string): Promise<string | undefined> {
      return broker.app.services.repositories.userSsoTokens.get(userId).then((row) =>
        row === undefined || row.refresh_token_sealed === null ? undefined : broker.app.services.sealer.openText(row.refresh_token_sealed, `user_sso_tokens:${userId}:refresh_token`),
      );
    }

    async function refreshEvents(broker: SsoBroker, userId: string): Promise<number[]> {
      await Promise.all([brokerA.app.services.audit.flush(), brokerB.app.services.audit.flush()]);
      const events = await broker.app.services.repositories.auditEvents.query({ type: 'sso.tokens_refreshed', limit: 10_000 });
      return events.filter((event) => event.details?.['userId'] === userId).map((event) => event.details?.['generation'] as number);
    }

    it('finishes on one replica a sign-in started on the other, and both serve the session', async () => {
      const jar = new CookieJar();
      const start = await jar.fetch(`${brokerA.url}/login`);
      const callback = new URL(await idp.loginHeadless(start.headers.get('location')!, 'bob', 'bob-password'));
      const finished = await jar.fetch(`${brokerB.url}${callback.pathname}${callback.search}`);
      assert.equal(finished.status, 303);
      assert.deepEqual(rolesOnPage(await homePage(brokerA, jar)), [{ arn: 'arn:aws:iam::111111111111:role/Analyst', source: 'claim' }]);
      assert.match(await homePage(brokerB, jar), /id="current-user">bob</);
    });

    it('refreshes the ID token with a rotated refresh token, stored sealed', async () => {
      const userId = await signIn('alice');
      const before = await brokerA.app.services.repositories.userSsoTokens.get(userId);
      const firstRefreshToken = await storedRefreshToken(brokerA, userId);
      assert.ok(firstRefreshToken);
      assert.ok(!before!.refresh_token_sealed!.includes(firstRefreshToken), 'sealed at rest');

      const result = await brokerA.app.services.sso.refresh(userId);
      assert.equal(result.refreshed, true);
      assert.equal(result.generation, before!.generation + 1);
      const claims = decodeJwt(result.idToken);
      assert.equal(claims.iss, idp.issuer);
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.aud, CLIENT_ID);
      assert.equal(result.expiresAt, claims.exp! * 1000);
      const rotated = await storedRefreshToken(brokerA, userId);
      assert.ok(rotated);
      assert.notEqual(rotated, firstRefreshToken, 'the refresh token rotated');
      // The replica sees the rotated token at once (shared database) and refreshes with it.
      const fromB = await brokerB.app.services.sso.refresh(userId);
      assert.equal(fromB.refreshed, true);
      assert.equal(fromB.generation, result.generation + 1);
    });

    it(`20 concurrent refreshes${database === 'postgres' ? ' on two brokers' : ''} spend each refresh token once`, async () => {
      const userId = (await brokerA.app.services.users.findByUsername('alice'))!.id;
      const spentBefore = await refreshEvents(brokerA, userId);
      const startGeneration = (await brokerA.app.services.repositories.userSsoTokens.get(userId))!.generation;

      const calls = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? brokerA : brokerB).app.services.sso.refresh(userId));
      const results = await Promise.allSettled(calls);
      const failures = results.filter((r) => r.status === 'rejected');
      assert.deepEqual(failures, [], 'no refresh failed (a double spend would be refused by the IdP)');
      const values = results.map((r) => (r as PromiseFulfilledResult<Awaited<(typeof calls)[number]>>).value);
      for (const value of values) assert.equal(decodeJwt(value.idToken).sub, 'alice');

      const spent = (await refreshEvents(brokerA, userId)).filter((generation) => !spentBefore.includes(generation));
      const endGeneration = (await brokerA.app.services.repositories.userSsoTokens.get(userId))!.generation;
      assert.ok(spent.length >= 1, 'the IdP was asked at least once');
      assert.equal(new Set(spent).size, spent.length, 'each generation (each refresh token) was spent once');
      assert.equal(endGeneration - startGeneration, spent.length, 'every spend is one stored rotation');
      assert.equal(values.filter((value) => value.refreshed).length, spent.length);

      // The chain is intact: had a token been spent twice, the IdP would have revoked the grant.
      const next = await brokerB.app.services.sso.refresh(userId);
      assert.equal(next.refreshed, true);
      assert.equal(next.generation, endGeneration + 1);
    });

    it('idTokenFor returns the stored token while it is fresh enough, and refreshes otherwise', async () => {
      const userId = (await brokerA.app.services.users.findByUsername('alice'))!.id;
      const current = await brokerA.app.services.sso.idTokenFor(userId, { minValiditySeconds: 60 });
      assert.equal(current.refreshed, false);
      const forced = await brokerA.app.services.sso.idTokenFor(userId, { minValiditySeconds: 7200 });
      assert.equal(forced.refreshed, true);
      assert.equal(forced.generation, current.generation + 1);
    });

    it('applies the claims of a refreshed ID token: roles follow the IdP', async () => {
      const userId = await signIn('carol');
      const carol = demoUsers.find((user) => user.username === 'carol')!;
      idp.setUser({ ...carol, claims: { aws_role_arn: 'arn:aws:iam::777777777777:role/Granted' } });
      await brokerB.app.services.sso.refresh(userId);
      assert.deepEqual((await brokerA.app.services.users.findByUsername('carol'))!.roles, [{ arn: 'arn:aws:iam::777777777777:role/Granted', source: 'claim' }]);
      idp.setUser(carol);
    });

    it('keeps the stored token through an IdP outage and refreshes after it', async () => {
      const userId = (await brokerA.app.services.users.findByUsername('alice'))!.id;
      const before = await storedRefreshToken(brokerA, userId);
      idp.setOutage('down');
      try {
        await assert.rejects(brokerA.app.services.sso.refresh(userId), (error: unknown) => isRoleportError(error) && error.code === 'ERR_SSO_UNREACHABLE');
      } finally {
        idp.setOutage('none');
      }
      assert.equal(await storedRefreshToken(brokerA, userId), before);
      assert.equal((await brokerA.app.services.sso.refresh(userId)).refreshed, true);
    });

    it('forgets a refresh token the IdP revoked, and says to sign in again', async () => {
      const userId = (await brokerA.app.services.users.findByUsername('bob'))!.id;
      const spentToken = await storedRefreshToken(brokerA, userId);
      await brokerA.app.services.sso.refresh(userId);
      // Reusing the rotated token (as a leaked copy would) makes the IdP revoke the grant.
      const config = await oidc.discovery(new URL(idp.issuer), CLIENT_ID, CLIENT_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
      await assert.rejects(oidc.refreshTokenGrant(config, spentToken!), (error: unknown) => error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant');
      await assert.rejects(brokerB.app.services.sso.refresh(userId), (error: unknown) => isRoleportError(error) && error.code === 'ERR_SSO_REFRESH');
      assert.equal(await storedRefreshToken(brokerA, userId), undefined);
      await assert.rejects(brokerA.app.services.sso.refresh(userId), (error: unknown) => isRoleportError(error) && error.code === 'ERR_SSO_REFRESH' && /sign in again/.test(error.message));
    });
  });
}
