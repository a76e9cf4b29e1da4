import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { ManualClock, RoleportError, type AuditEvent } from '../core/index.ts';
import { createMinter, generateSigningKey } from '../issuer/index.ts';
import { createRepositories, migrateToLatest, openDatabase, type StoreDatabase } from '../store/index.ts';
import { testPostgres, type PostgresHandle } from '../../test/helpers/postgres.ts';
import { createSessions, type Principal, type Sessions, type SessionsSettings, type SessionUser } from './index.ts';

/**
 * The sessions module over a real store, on SQLite and on PostgreSQL, with the real minter
 * and jose verifying what it signs. Users come through the module's `UserDirectory` port.
 */
const ISSUER = 'https://broker.example.test';
const DS = 'arn:aws:iam::111111111111:role/DataScientist';
const RO = 'arn:aws:iam::222222222222:role/ReadOnly';
const ANALYST = 'arn:aws:iam::111111111111:role/Analyst';

const settings: SessionsSettings = {
  nameTemplate: '{username}.{session_id_short}',
  defaultTokenTtlSeconds: 3600,
  maxTokenTtlSeconds: 43200,
  defaultRegion: 'us-east-1',
  defaultAudience: 'sts.amazonaws.com',
  audiences: ['sts.amazonaws.com', 'other-audience'],
  subjectTemplate: 'user:{username}:role:{account_id}:{role_name}',
  sourceIdentityTemplate: '{username}',
  tags: { user: ['username'], group: { key: 'groups', allow: ['data-science'] }, session: ['session_id'], transitiveTagKeys: ['username'] },
  userTokenTtlSeconds: 86400,
  cliLoginCodeTtlSeconds: 60,
  clouds: { gcpTokenUrl: 'https://sts.googleapis.com/v1/token', gcpIamCredentialsUrl: 'https://iamcredentials.googleapis.com', azureAuthorityHost: 'https://login.microsoftonline.com' },
};

const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/roleport/providers/broker';
const GCP_AUDIENCE = `//iam.googleapis.com/${PROVIDER}`;
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';

const alicePrincipal: Principal = { name: 'alice', admin: false, userName: 'alice' };
const bobPrincipal: Principal = { name: 'bob', admin: false, userName: 'bob' };
const admin: Principal = { name: 'cli', admin: true };

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`sessions on ${backend}`, () => {
    let store: StoreDatabase;
    let pg: PostgresHandle | undefined;
    let dir: string;
    let sessions: Sessions;
    let clock: ManualClock;
    let events: AuditEvent[];
    let jwks: ReturnType<typeof createLocalJWKSet>;
    let viewerToken = '';
    let viewerOutage: RoleportError | undefined;
    const users = new Map<string, SessionUser>();

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'roleport-sessions-'));
      if (backend === 'postgres') {
        pg = await testPostgres();
        store = openDatabase(pg.url);
      } else {
        store = openDatabase(`sqlite:${join(dir, 'db.sqlite')}`);
      }
      await migrateToLatest(store);
      const repositories = createRepositories(store);
      clock = new ManualClock();
      events = [];
      const key = await generateSigningKey({ alg: 'ES256' });
      jwks = createLocalJWKSet({ keys: [key.publicJwk] });
      // Committed rows go to the store's audit table, as the broker's audit writer commits them: a session's last-token note rides on its token.minted row.
      const sink = {
        record: (event: AuditEvent) => void events.push(event),
        commit: async (event: AuditEvent) => {
          await repositories.auditEvents.insertMany([event]);
          events.push(event);
        },
      };
      users.set('alice', { username: 'alice', email: 'alice@example.com', groups: ['data-science', 'engineering'], roles: [DS, RO], admin: false });
      users.set('bob', { username: 'bob', email: 'bob@example.com', groups: ['analysts'], roles: [ANALYST], roleSessionName: 'bob', admin: false });
      const idpKey = await generateSigningKey({ alg: 'ES256' });
      sessions = createSessions({
        ...repositories,
        users: { findUser: async (name) => users.get(name) },
        viewerTokens: {
          currentIdToken: async () => {
            if (viewerOutage !== undefined) throw viewerOutage;
            return { token: viewerToken, expiresAt: clock.now() + 300_000 };
          },
        },
        mintToken: createMinter({ issuer: ISSUER, clock, events: sink, signingKey: () => key, defaultTtlSeconds: 3600, maxTtlSeconds: 43200 }),
        events: sink,
        readAudit: async (query) => events.filter((e) => e.sessionId === query.sessionId && e.type === query.type).reverse(),
        clock,
        settings,
      });
      viewerToken = await new SignJWT({ email: 'alice@example.com' })
        .setProtectedHeader({ alg: 'ES256', kid: idpKey.kid })
        .setIssuer('https://idp.example.test')
        .setSubject('alice-at-idp')
        .setAudience('roleport-client')
        .setJti('idp-jti-1')
        .setIssuedAt(Math.floor(clock.now() / 1000))
        .setExpirationTime(Math.floor(clock.now() / 1000) + 300)
        .sign(idpKey.privateKey);
    });

    after(async () => {
      await store.close();
      await pg?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    test('start: the session, its roles with profiles and STS session names, and a credential shown once', async () => {
      const { session, credential } = await sessions.start({ userName: 'alice', roles: [DS, RO], by: alicePrincipal });
      assert.match(session.id, /^ses_[0-9a-f]{20}$/);
      assert.match(credential, new RegExp(`^rps_${session.id}\\.[A-Za-z0-9_-]{43}$`));
      assert.equal(session.state, 'active');
      assert.equal(session.audience, 'sts.amazonaws.com');
      assert.equal(session.region, 'us-east-1');
      assert.equal(session.tokenTtlSeconds, 3600);
      const short = `ses-${session.id.slice(4, 8)}`;
      assert.deepEqual(session.roles, [
        { arn: DS, profile: 'DataScientist', sessionName: `alice.${short}` },
        { arn: RO, profile: 'ReadOnly', sessionName: `alice.${short}` },
      ]);
      const row = await store.db.selectFrom('sessions').selectAll().where('id', '=', session.id).executeTakeFirstOrThrow();
      assert.equal(row.credential_hash, createHash('sha256').update(credential).digest('hex'));
      assert.ok(!JSON.stringify(row).includes(credential.split('.')[1]!), 'the secret is not stored');
      assert.deepEqual(await sessions.get(session.id, alicePrincipal), session);
      const started = events.find((e) => e.type === 'session.started' && e.sessionId === session.id);
      assert.equal(started?.userName, 'alice');
    });

    test('start: aws_role_session_name from the IdP wins over the template', async () => {
      const { session } = await sessions.start({ userName: 'bob', roles: [ANALYST], by: bobPrincipal });
      assert.equal(session.roles[0]!.sessionName, 'bob');
    });

    test('start refuses bad input and roles the user does not hold, storing nothing', async () => {
      const before = (await sessions.list({ by: admin })).length;
      const cases: Array<[Parameters<Sessions['start']>[0], string, RegExp]> = [
        [{ userName: 'alice', roles: [ANALYST], by: alicePrincipal }, 'ERR_FORBIDDEN', /does not hold role/],
        [{ userName: 'alice', roles: [DS], by: bobPrincipal }, 'ERR_FORBIDDEN', /other users/],
        [{ userName: 'alice', roles: [], by: alicePrincipal }, 'ERR_INPUT_INVALID', /at least one role/],
        [{ userName: 'alice', roles: ['not-an-arn'], by: alicePrincipal }, 'ERR_INPUT_INVALID', /not an IAM role ARN/],
        [{ userName: 'alice', roles: [DS, DS], by: alicePrincipal }, 'ERR_INPUT_INVALID', /twice/],
        [{ userName: 'alice', roles: [DS], region: 'mars-1', by: alicePrincipal }, 'ERR_INPUT_INVALID', /region/],
        [{ userName: 'alice', roles: [DS], tokenTtlSeconds: 5, by: alicePrincipal }, 'ERR_INPUT_INVALID', /token_ttl_seconds/],
        [{ userName: 'alice', roles: [DS], tokenTtlSeconds: 50000, by: alicePrincipal }, 'ERR_INPUT_INVALID', /token_ttl_seconds/],
        [{ userName: 'alice', roles: [DS], audience: '', by: alicePrincipal }, 'ERR_INPUT_INVALID', /audience/],
        [{ userName: 'alice', roles: [DS], audience: 'https://vault.example.com', by: alicePrincipal }, 'ERR_INPUT_INVALID', /audience "https:\/\/vault\.example\.com" is not one a session may ask for \(sessions\.audiences: sts\.amazonaws\.com, other-audience\)/],
        [{ userName: 'alice', roles: [DS], audience: 'roleport-content', by: alicePrincipal }, 'ERR_INPUT_INVALID', /not one a session may ask for/],
        [{ userName: 'nobody', roles: [DS], by: admin }, 'ERR_NOT_FOUND', /no user/],
      ];
      for (const [options, code, message] of cases) {
        await assert.rejects(sessions.start(options), (error: unknown) => error instanceof RoleportError && error.code === code && message.test(error.message), JSON.stringify(options));
      }
      assert.equal((await sessions.list({ by: admin })).length, before);
    });

    test('exchange: a broker token with the subject template, identity claims, tags and source identity', async () => {
      const { session, credential } = await sessions.start({ userName: 'alice', roles: [DS, RO], tokenTtlSeconds: 900, by: alicePrincipal });
      const issued = await sessions.exchange({ credential });
      const { payload } = await jwtVerify(issued.token, jwks, { issuer: ISSUER, audience: 'sts.amazonaws.com', currentDate: new Date(clock.now()) });
      // The role the token is for, in what AWS evaluates: its trust policy can refuse other roles' tokens.
      assert.equal(payload.sub, 'user:alice:role:111111111111:DataScientist');
      assert.equal(payload.exp! - payload.iat!, 900);
      assert.equal(payload['preferred_username'], 'alice');
      assert.equal(payload['email'], 'alice@example.com');
      assert.deepEqual(payload['groups'], ['data-science', 'engineering']);
      assert.equal(payload['session_id'], session.id);
      assert.deepEqual(payload['https://aws.amazon.com/tags'], {
        principal_tags: { username: ['alice'], groups: ['data-science'], session_id: [session.id] },
        transitive_tag_keys: ['username'],
      });
      assert.equal(payload['https://aws.amazon.com/source_identity'], 'alice');
      assert.equal(issued.roleArn, DS);
      assert.equal(issued.expiresAt, (payload.exp as number) * 1000);

      const minted = events.filter((e) => e.type === 'token.minted' && e.sessionId === session.id);
      assert.equal(minted.length, 1);
      assert.equal(minted[0]!.userName, 'alice');
      assert.equal(minted[0]!.roleArn, DS);
      assert.equal(minted[0]!.jti, payload.jti);

      const second = await sessions.exchange({ credential, roleArn: RO, audience: 'other-audience' });
      const claims = (await jwtVerify(second.token, jwks, { audience: 'other-audience', currentDate: new Date(clock.now()) })).payload;
      assert.equal(claims['session_id'], session.id);
      assert.equal(claims.sub, 'user:alice:role:222222222222:ReadOnly');
      assert.equal(events.filter((e) => e.type === 'token.minted' && e.sessionId === session.id).at(-1)!.roleArn, RO);

      const stored = await sessions.get(session.id, alicePrincipal);
      assert.equal(stored.lastTokenAt, clock.now());
      assert.equal(stored.tokenExpiresAt, second.expiresAt);
      const timeline = await sessions.tokenTimeline(session.id);
      assert.deepEqual(timeline.map((p) => p.roleArn), [DS, RO]);
    });

    test('exchange refuses: wrong credential, another session\'s secret, foreign role, ended or revoked sessions', async () => {
      const a = await sessions.start({ userName: 'alice', roles: [DS], by: alicePrincipal });
      const b = await sessions.start({ userName: 'bob', roles: [ANALYST], by: bobPrincipal });
      const refused = async (options: Parameters<Sessions['exchange']>[0], code: string, message: RegExp): Promise<void> => {
        await assert.rejects(sessions.exchange(options), (error: unknown) => error instanceof RoleportError && error.code === code && message.test(error.message));
      };
      const secretOfB = b.credential.split('.')[1]!;
      await refused({ credential: `rps_${a.session.id}.${secretOfB}` }, 'ERR_GRANT_INVALID', /not valid/);
      await refused({ credential: 'rps_garbage' }, 'ERR_GRANT_INVALID', /not valid/);
      await refused({ credential: a.credential.slice(0, -1) + (a.credential.endsWith('A') ? 'B' : 'A') }, 'ERR_GRANT_INVALID', /not valid/);
      await refused({ credential: a.credential, roleArn: ANALYST }, 'ERR_TARGET_INVALID', /not one of/);
      await refused({ credential: a.credential, audience: 'x'.repeat(300) }, 'ERR_TARGET_INVALID', /audience/);
      await refused({ credential: a.credential, audience: 'https://vault.example.com' }, 'ERR_TARGET_INVALID', /not one a session may ask for/);

      await sessions.end(a.session.id, alicePrincipal);
      await refused({ credential: a.credential }, 'ERR_GRANT_INVALID', /is ended/);
      await sessions.revoke(b.session.id, admin);
      await refused({ credential: b.credential }, 'ERR_GRANT_INVALID', /is revoked/);
    });

    test('exchange refuses the audience a session was started with once the allow-list no longer has it', async () => {
      const { session, credential } = await sessions.start({ userName: 'alice', roles: [DS], by: alicePrincipal });
      // As a session started before the allow-list existed (or before the admin narrowed it) is stored.
      await store.db.updateTable('sessions').set({ audience: 'https://vault.example.com' }).where('id', '=', session.id).execute();
      await assert.rejects(sessions.exchange({ credential }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_TARGET_INVALID' && /vault/.test(error.message));
      assert.equal((await sessions.exchange({ credential, audience: 'sts.amazonaws.com' })).roleArn, DS);
    });

    test('start refuses a user whose sub would be longer than the 255 characters STS takes', async () => {
      const long = `a${'x'.repeat(230)}`;
      users.set(long, { username: long, groups: [], roles: [DS], admin: false });
      await assert.rejects(
        sessions.start({ userName: long, roles: [DS], by: admin }),
        (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && /renders a sub of 268 characters.*STS takes 6-255/.test(error.message),
      );
    });

    test('exchange refuses once the user no longer holds the role', async () => {
      const { credential } = await sessions.start({ userName: 'alice', roles: [RO], by: alicePrincipal });
      await sessions.exchange({ credential });
      users.set('alice', { ...users.get('alice')!, roles: [DS] });
      try {
        await assert.rejects(sessions.exchange({ credential }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_GRANT_INVALID' && /no longer holds/.test(error.message));
      } finally {
        users.set('alice', { ...users.get('alice')!, roles: [DS, RO] });
      }
    });

    test('end and revoke: who may, idempotence, audit', async () => {
      const { session } = await sessions.start({ userName: 'alice', roles: [DS], by: alicePrincipal });
      await assert.rejects(sessions.end(session.id, bobPrincipal), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_NOT_FOUND');
      await assert.rejects(sessions.revoke(session.id, alicePrincipal), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_FORBIDDEN');
      const revoked = await sessions.revoke(session.id, admin);
      assert.equal(revoked.state, 'revoked');
      assert.equal(revoked.endedBy, 'cli');
      const again = await sessions.end(session.id, alicePrincipal);
      assert.equal(again.state, 'revoked', 'ending a revoked session leaves it revoked');
      assert.equal(events.filter((e) => e.sessionId === session.id && e.type.startsWith('session.') && e.type !== 'session.started').length, 1);
    });

    test('list: users see their own, admins everyone', async () => {
      const mine = await sessions.list({ by: bobPrincipal });
      assert.ok(mine.length > 0 && mine.every((s) => s.userName === 'bob'));
      await assert.rejects(sessions.list({ userName: 'alice', by: bobPrincipal }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_FORBIDDEN');
      const all = await sessions.list({ by: admin });
      assert.deepEqual(new Set(all.map((s) => s.userName)), new Set(['alice', 'bob']));
      const active = await sessions.list({ by: admin, userName: 'alice', state: 'active' });
      assert.ok(active.every((s) => s.state === 'active' && s.userName === 'alice'));
    });

    test('setRoles replaces the roles of an active session, only with roles the user holds', async () => {
      const { session, credential } = await sessions.start({ userName: 'alice', roles: [DS], by: alicePrincipal });
      await assert.rejects(sessions.setRoles(session.id, [ANALYST], alicePrincipal), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_FORBIDDEN');
      const updated = await sessions.setRoles(session.id, [RO, DS], alicePrincipal);
      assert.deepEqual(updated.roles.map((r) => r.profile), ['ReadOnly', 'DataScientist']);
      assert.deepEqual((await sessions.authenticate(credential))?.roles, updated.roles);
      await sessions.end(session.id, alicePrincipal);
      await assert.rejects(sessions.setRoles(session.id, [DS], alicePrincipal), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_SESSION_INACTIVE');
    });

    test('viewer sessions hand out the IdP token; an outage is temporary, a refused sign-in is final', async () => {
      const { session, credential } = await sessions.start({ userName: 'alice', roles: [DS], tokenSource: 'viewer', by: alicePrincipal });
      const issued = await sessions.exchange({ credential });
      assert.equal(issued.token, viewerToken);
      assert.equal(issued.expiresAt, clock.now() + 300_000);
      const event = events.filter((e) => e.type === 'token.minted' && e.sessionId === session.id).at(-1)!;
      assert.equal(event.jti, 'idp-jti-1');
      assert.equal(event.subject, 'alice-at-idp');
      assert.deepEqual(event.details, { token_source: 'viewer', issuer: 'https://idp.example.test' });
      await assert.rejects(sessions.exchange({ credential, audience: 'sts.amazonaws.com-other' }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_TARGET_INVALID');
      viewerOutage = new RoleportError('ERR_SSO_UNREACHABLE', 'idp down');
      await assert.rejects(sessions.exchange({ credential }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_TOKEN_SOURCE_UNAVAILABLE' && error.status === 503);
      viewerOutage = new RoleportError('ERR_SSO_REFRESH', 'refresh token revoked');
      await assert.rejects(sessions.exchange({ credential }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_GRANT_INVALID');
      viewerOutage = undefined;
    });

    test('user API tokens: created once, authenticated by hash, expire and revoke', async () => {
      const created = await sessions.userTokens.create({ userName: 'alice', ttlSeconds: 600, actor: 'cli' });
      assert.match(created.token, /^rpu_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(await sessions.userTokens.authenticate(created.token), { id: created.id, userName: 'alice', expiresAt: created.expiresAt });
      assert.equal(await sessions.userTokens.authenticate(`${created.token.slice(0, -2)}xx`), undefined);
      assert.equal(await sessions.userTokens.authenticate('rpu_nothing'), undefined);
      clock.advance(600_000);
      assert.equal(await sessions.userTokens.authenticate(created.token), undefined, 'expired');
      const other = await sessions.userTokens.create({ userName: 'alice', actor: 'cli' });
      await sessions.userTokens.revoke(other.id, 'cli');
      assert.equal(await sessions.userTokens.authenticate(other.token), undefined, 'revoked');
      await assert.rejects(sessions.userTokens.create({ userName: 'nobody', actor: 'cli' }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_NOT_FOUND');
    });

    test('CLI login codes: single use, bound to redirect URI and PKCE verifier, short-lived', async () => {
      const verifier = 'v'.repeat(50);
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const request = { redirectUri: 'http://127.0.0.1:5555/callback', state: 'xyz', codeChallenge: challenge };
      const invalid = (error: unknown): boolean => error instanceof RoleportError && error.code === 'ERR_GRANT_INVALID';

      const code = await sessions.cliLogin.issueCode('alice', request);
      const created = await sessions.cliLogin.redeem({ code, codeVerifier: verifier, redirectUri: request.redirectUri });
      assert.equal(created.userName, 'alice');
      assert.equal((await sessions.userTokens.authenticate(created.token))?.userName, 'alice');
      await assert.rejects(sessions.cliLogin.redeem({ code, codeVerifier: verifier, redirectUri: request.redirectUri }), invalid, 'used twice');

      const wrongVerifier = await sessions.cliLogin.issueCode('alice', request);
      await assert.rejects(sessions.cliLogin.redeem({ code: wrongVerifier, codeVerifier: 'w'.repeat(50), redirectUri: request.redirectUri }), invalid);
      await assert.rejects(sessions.cliLogin.redeem({ code: wrongVerifier, codeVerifier: verifier, redirectUri: request.redirectUri }), invalid, 'a failed attempt spends the code');

      const wrongRedirect = await sessions.cliLogin.issueCode('alice', request);
      await assert.rejects(sessions.cliLogin.redeem({ code: wrongRedirect, codeVerifier: verifier, redirectUri: 'http://127.0.0.1:5556/callback' }), invalid);

      const expired = await sessions.cliLogin.issueCode('alice', request);
      clock.advance(61_000);
      await assert.rejects(sessions.cliLogin.redeem({ code: expired, codeVerifier: verifier, redirectUri: request.redirectUri }), invalid);
    });

    describe('cloud targets', () => {
      const carol: Principal = { name: 'carol', admin: false, userName: 'carol' };
      const analytics = { name: 'analytics', provider: PROVIDER, serviceAccount: 'analytics@my-project.iam.gserviceaccount.com' };
      const ml = { name: 'ml', tenantId: TENANT, clientId: CLIENT };
      before(() => {
        users.set('carol', { username: 'carol', groups: ['data-science'], roles: [DS], gcpTargets: [analytics, { name: 'reports', provider: PROVIDER }], azureTargets: [ml], admin: false });
      });
      const verify = async (token: string, audience: string) => (await jwtVerify(token, jwks, { issuer: ISSUER, audience, currentDate: new Date(clock.now()) })).payload;

      test('a session holds the targets picked, each with its own token bound to user and target', async () => {
        const { session, credential } = await sessions.start({ userName: 'carol', roles: [DS], gcpTargets: ['analytics'], azureTargets: ['ml'], by: carol });
        assert.deepEqual(session.gcpTargets, [{ name: 'analytics', provider: PROVIDER, audience: GCP_AUDIENCE, serviceAccount: analytics.serviceAccount, tokenUrl: settings.clouds.gcpTokenUrl, iamCredentialsUrl: settings.clouds.gcpIamCredentialsUrl }]);
        assert.deepEqual(session.azureTargets, [{ name: 'ml', tenantId: TENANT, clientId: CLIENT, subjectScope: 'user', authorityHost: settings.clouds.azureAuthorityHost }]);
        assert.deepEqual(await sessions.get(session.id, carol), session);
        const gcp = await sessions.exchange({ credential, target: { cloud: 'gcp', name: 'analytics' } });
        const gcpClaims = await verify(gcp.token, GCP_AUDIENCE);
        assert.equal(gcpClaims.sub, 'user:carol:gcp:analytics');
        assert.equal(gcpClaims['roleport_target'], 'analytics');
        assert.equal(gcpClaims['session_id'], session.id);
        assert.equal(gcpClaims['https://aws.amazon.com/tags'], undefined);
        assert.equal(gcp.roleArn, undefined);
        const azure = await sessions.exchange({ credential, target: { cloud: 'azure', name: 'ml' } });
        assert.equal((await verify(azure.token, 'api://AzureADTokenExchange')).sub, 'user:carol:azure:ml');
        // The role's token is unchanged beside them.
        assert.equal((await verify((await sessions.exchange({ credential })).token, 'sts.amazonaws.com')).sub, 'user:carol:role:111111111111:DataScientist');
        // An audience alone picks the session's target that has it.
        assert.equal((await verify((await sessions.exchange({ credential, audience: GCP_AUDIENCE })).token, GCP_AUDIENCE)).sub, 'user:carol:gcp:analytics');
        assert.equal((await verify((await sessions.exchange({ credential, audience: 'api://AzureADTokenExchange' })).token, 'api://AzureADTokenExchange')).sub, 'user:carol:azure:ml');
      });

      test('a target the session was not granted gets no token (invalid_target); nor does its audience', async () => {
        const { credential } = await sessions.start({ userName: 'carol', roles: [DS], gcpTargets: ['reports'], by: carol });
        const refused = async (options: Parameters<Sessions['exchange']>[0], code: string, message: RegExp) =>
          assert.rejects(sessions.exchange(options), (error: unknown) => error instanceof RoleportError && error.code === code && message.test(error.message));
        await refused({ credential, target: { cloud: 'gcp', name: 'analytics' } }, 'ERR_TARGET_INVALID', /GCP target "analytics" is not one of session/);
        await refused({ credential, target: { cloud: 'azure', name: 'ml' } }, 'ERR_TARGET_INVALID', /Azure target "ml" is not one of session/);
        await refused({ credential, audience: 'api://AzureADTokenExchange' }, 'ERR_TARGET_INVALID', /not one a session may ask for/);
        await refused({ credential, target: { cloud: 'gcp', name: 'reports' }, audience: 'sts.amazonaws.com' }, 'ERR_TARGET_INVALID', /has audience \/\/iam\.googleapis\.com/);
        await refused({ credential, roleArn: DS, audience: GCP_AUDIENCE }, 'ERR_TARGET_INVALID', /not one a session may ask for/);
        // A session with no targets cannot reach a target's audience either.
        const plain = await sessions.start({ userName: 'alice', roles: [DS], by: alicePrincipal });
        await refused({ credential: plain.credential, audience: GCP_AUDIENCE }, 'ERR_TARGET_INVALID', /not one a session may ask for/);
      });

      test('start refuses targets the user does not hold, twice, or with viewer tokens, storing nothing', async () => {
        const before = (await sessions.list({ by: admin })).length;
        const cases: Array<[Parameters<Sessions['start']>[0], string, RegExp]> = [
          [{ userName: 'alice', roles: [DS], gcpTargets: ['analytics'], by: alicePrincipal }, 'ERR_FORBIDDEN', /alice does not hold the GCP target "analytics"/],
          [{ userName: 'carol', roles: [DS], azureTargets: ['other'], by: carol }, 'ERR_FORBIDDEN', /does not hold the Azure target "other"/],
          [{ userName: 'carol', roles: [DS], gcpTargets: ['analytics', 'analytics'], by: carol }, 'ERR_INPUT_INVALID', /listed twice/],
          [{ userName: 'carol', roles: [DS], azureTargets: ['ml'], tokenSource: 'viewer', by: carol }, 'ERR_INPUT_INVALID', /need broker tokens/],
        ];
        for (const [options, code, message] of cases) {
          await assert.rejects(sessions.start(options), (error: unknown) => error instanceof RoleportError && error.code === code && message.test(error.message), JSON.stringify(options));
        }
        assert.equal((await sessions.list({ by: admin })).length, before);
      });

      test('exchange refuses once the user no longer holds the target, or holds it with another service account', async () => {
        const { credential } = await sessions.start({ userName: 'carol', roles: [DS], gcpTargets: ['analytics'], by: carol });
        const granted = users.get('carol')!;
        try {
          users.set('carol', { ...granted, gcpTargets: [{ ...analytics, serviceAccount: 'other@my-project.iam.gserviceaccount.com' }] });
          await assert.rejects(sessions.exchange({ credential, target: { cloud: 'gcp', name: 'analytics' } }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_GRANT_INVALID' && /no longer holds the GCP target analytics/.test(error.message));
          users.set('carol', { ...granted, gcpTargets: [] });
          await assert.rejects(sessions.exchange({ credential, target: { cloud: 'gcp', name: 'analytics' } }), (error: unknown) => error instanceof RoleportError && error.code === 'ERR_GRANT_INVALID');
        } finally {
          users.set('carol', granted);
        }
      });
    });
  });
}
