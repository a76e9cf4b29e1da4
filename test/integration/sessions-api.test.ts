import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { testPostgres, type PostgresHandle } from '../helpers/postgres.ts';
import { tamperEnd } from '../helpers/tamper.ts';
import type { SessionJson } from '../../src/sessions/index.ts';

/**
 * The sessions API and the agents' token endpoint over real HTTP, as the CLI and the agent
 * use them (docs/session-protocol.md): a user API token starts sessions, the session
 * credential buys tokens that jose verifies against the broker's own discovery and JWKS, and
 * every refusal is the documented status and body, with nothing stored.
 */
const DS = 'arn:aws:iam::111111111111:role/DataScientist';
const RO = 'arn:aws:iam::222222222222:role/ReadOnly';
const ANALYST = 'arn:aws:iam::111111111111:role/Analyst';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const CREDENTIAL_TYPE = 'urn:roleport:params:oauth:token-type:session-credential';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`sessions API and POST /oauth/token (${backend})`, () => {
    let broker: TestBroker;
    let pg: PostgresHandle | undefined;
    let aliceToken: string;
    let bobToken: string;

    before(async () => {
      if (backend === 'postgres') pg = await testPostgres();
      broker = await startTestBroker({ ...(pg === undefined ? {} : { databaseUrl: pg.url }), config: { admins: { users: ['bob'] } } });
      const { users, sessions } = broker.app.services;
      await users.setRoleArns('alice', [DS, RO], 'test');
      await users.setRoleArns('bob', [ANALYST], 'test');
      aliceToken = (await sessions.userTokens.create({ userName: 'alice', actor: 'test' })).token;
      bobToken = (await sessions.userTokens.create({ userName: 'bob', actor: 'test' })).token;
    });
    after(async () => {
      await broker?.close();
      await pg?.stop();
    });

    const api = async (method: string, path: string, token: string | undefined, body?: unknown) => {
      const response = await fetch(`${broker.url}/api/v1${path}`, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    };

    const exchange = async (fields: Record<string, string | string[]>, contentType = 'application/x-www-form-urlencoded') => {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(key, v);
      const response = await fetch(`${broker.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: contentType.startsWith('application/json') ? JSON.stringify(fields) : form.toString(),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    };

    const startSession = async (token: string, body: Record<string, unknown>) => {
      const response = await api('POST', '/sessions', token, body);
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return { session: response.body['session'] as SessionJson, credential: response.body['credential'] as string };
    };

    const countSessions = async (): Promise<number> => (await broker.app.services.store.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n as number;

    test('discovery advertises the token endpoint and the token-exchange grant', async () => {
      const discovery = (await (await fetch(`${broker.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(discovery['token_endpoint'], `${broker.issuer}/oauth/token`);
      assert.deepEqual(discovery['grant_types_supported'], [EXCHANGE]);
    });

    test('start a session, exchange its credential for a token that verifies against the JWKS; audited with session, user and role', async () => {
      const { session, credential } = await startSession(aliceToken, { roles: [DS, RO], token_ttl_seconds: 900, region: 'eu-west-1' });
      assert.match(session.id, /^ses_/);
      assert.match(credential, new RegExp(`^rps_${session.id}\\.`));
      assert.equal(session.user, 'alice');
      assert.equal(session.state, 'active');
      assert.equal(session.token_source, 'broker');
      assert.equal(session.audience, 'sts.amazonaws.com');
      assert.equal(session.region, 'eu-west-1');
      assert.equal(session.token_ttl_seconds, 900);
      assert.deepEqual(session.roles.map((r) => [r.arn, r.profile]), [[DS, 'DataScientist'], [RO, 'ReadOnly']]);
      assert.match(session.roles[0]!.session_name, /^alice\.ses-[0-9a-f]{4}$/);
      assert.equal(session.last_token_at, null);

      const response = await exchange({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE, requested_token_type: ID_TOKEN_TYPE, audience: 'sts.amazonaws.com' });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.body['issued_token_type'], ID_TOKEN_TYPE);
      assert.equal(response.body['token_type'], 'N_A');
      assert.equal(response.body['expires_in'], 900);
      const jwks = createRemoteJWKSet(new URL(`${broker.issuer}/openid/v1/jwks`));
      const { payload } = await jwtVerify(response.body['access_token'] as string, jwks, { issuer: broker.issuer, audience: 'sts.amazonaws.com', requiredClaims: ['exp', 'iat', 'jti'] });
      // The first role's token: sub names it, so only its trust policy accepts it.
      assert.equal(payload.sub, 'user:alice:role:111111111111:DataScientist');
      assert.equal(payload['session_id'], session.id);
      assert.equal(payload['preferred_username'], 'alice');

      const second = await exchange({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE, resource: RO });
      assert.equal(second.status, 200);

      await broker.app.services.audit.flush();
      const minted = await broker.app.services.repositories.auditEvents.query({ sessionId: session.id, type: 'token.minted' });
      assert.deepEqual(minted.map((e) => [e.userName, e.roleArn]).reverse(), [['alice', DS], ['alice', RO]]);
      assert.equal(minted.at(-1)!.jti, payload.jti);

      const current = await api('GET', '/sessions/current', credential);
      assert.equal(current.status, 200);
      assert.equal(current.headers.get('cache-control'), 'no-store');
      assert.equal((current.body as unknown as SessionJson).id, session.id);
      assert.ok((current.body as unknown as SessionJson).last_token_at !== null);
      assert.ok((current.body as unknown as SessionJson).token_expires_at !== null);
      assert.equal('credential_hash' in current.body, false);
    });

    test('a role the user does not hold: 403 ERR_FORBIDDEN and nothing started', async () => {
      const before = await countSessions();
      for (const roles of [[ANALYST], [DS, ANALYST]]) {
        const response = await api('POST', '/sessions', aliceToken, { roles });
        assert.equal(response.status, 403);
        assert.equal(response.body['code'], 'ERR_FORBIDDEN');
        assert.match(response.body['message'] as string, /does not hold role/);
      }
      assert.equal(await countSessions(), before);
    });

    test('bad start requests: 400 naming the problem, 401 without a valid user token', async () => {
      const before = await countSessions();
      const bodies = [
        {},
        { roles: [] },
        { roles: ['nope'] },
        { roles: [DS], token_source: 'magic' },
        { roles: [DS], token_ttl_seconds: 'long' },
        { roles: [DS], region: 'moon-1' },
        // Audiences are an allow-list (sessions.audiences); the content audience never.
        { roles: [DS], audience: 'https://vault.example.com' },
        { roles: [DS], audience: 'roleport-content' },
      ];
      for (const body of bodies) {
        const response = await api('POST', '/sessions', aliceToken, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body['code'], 'ERR_INPUT_INVALID');
      }
      const anonymous = await api('POST', '/sessions', undefined, { roles: [DS] });
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
      for (const token of ['rpu_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `${aliceToken}x`, 'garbage']) {
        const response = await api('POST', '/sessions', token, { roles: [DS] });
        assert.equal(response.status, 401);
        assert.equal(response.body['code'], 'ERR_UNAUTHENTICATED');
      }
      assert.equal(await countSessions(), before);
    });

    test('token endpoint refusals are OAuth JSON errors, never cached', async () => {
      const { session, credential } = await startSession(aliceToken, { roles: [DS] });
      const { credential: bobCredential } = await startSession(bobToken, { roles: [ANALYST] });
      const good = { grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE };
      const tampered = tamperEnd(credential, 3);
      const cases: Array<[string, Record<string, string | string[]>, number, string, string?]> = [
        ['another grant', { ...good, grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
        ['no grant', { subject_token: credential }, 400, 'invalid_request'],
        ['no subject token', { grant_type: EXCHANGE, subject_token_type: CREDENTIAL_TYPE }, 400, 'invalid_request'],
        ['wrong subject token type', { ...good, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }, 400, 'invalid_request'],
        ['another requested token type', { ...good, requested_token_type: 'urn:ietf:params:oauth:token-type:access_token' }, 400, 'invalid_request'],
        ['repeated audience', { ...good, audience: ['a', 'b'] }, 400, 'invalid_request'],
        ['actor token', { ...good, actor_token: 'x' }, 400, 'invalid_request'],
        ['tampered credential', { ...good, subject_token: tampered }, 400, 'invalid_grant'],
        ["another session's secret on this session's id", { ...good, subject_token: `rps_${session.id}.${bobCredential.split('.')[1]}` }, 400, 'invalid_grant'],
        ['a user API token', { ...good, subject_token: aliceToken }, 400, 'invalid_grant'],
        ['a role outside the session', { ...good, resource: RO }, 400, 'invalid_target'],
        // RFC 8693 §2.2.2: an audience the broker will not issue for.
        ['an audience not in sessions.audiences', { ...good, audience: 'https://vault.example.com' }, 400, 'invalid_target'],
        ['the content audience', { ...good, audience: 'roleport-content' }, 400, 'invalid_target'],
      ];
      for (const [name, fields, status, error] of cases) {
        const response = await exchange(fields);
        assert.equal(response.status, status, name);
        assert.equal(response.body['error'], error, `${name}: ${JSON.stringify(response.body)}`);
        assert.equal(typeof response.body['error_description'], 'string', name);
        assert.equal(response.headers.get('cache-control'), 'no-store', name);
      }
      const json = await exchange(good, 'application/json');
      assert.equal(json.status, 400);
      assert.equal(json.body['error'], 'invalid_request');
    });

    test('revocation: admins only; the revoked session gets invalid_grant and its credential no longer authenticates', async () => {
      const { session, credential } = await startSession(aliceToken, { roles: [DS] });
      const notAdmin = await api('POST', `/sessions/${session.id}/revoke`, aliceToken);
      assert.equal(notAdmin.status, 403);
      const revoked = await api('POST', `/sessions/${session.id}/revoke`, bobToken);
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body['state'], 'revoked');
      assert.ok(revoked.body['ended_at'] !== null);
      const response = await exchange({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE });
      assert.equal(response.status, 400);
      assert.equal(response.body['error'], 'invalid_grant');
      assert.match(response.body['error_description'] as string, /revoked/);
      const current = await api('GET', '/sessions/current', credential);
      assert.equal(current.status, 401);
      assert.match(current.body['message'] as string, /revoked/);
      await broker.app.services.audit.flush();
      const events = await broker.app.services.repositories.auditEvents.query({ sessionId: session.id, type: 'session.revoked' });
      assert.equal(events[0]?.actor, 'bob');
    });

    test('ending: by the session credential, by the owner; others see "not found"', async () => {
      const first = await startSession(aliceToken, { roles: [DS] });
      const ended = await api('POST', '/sessions/current/end', first.credential);
      assert.equal(ended.status, 200);
      assert.equal(ended.body['state'], 'ended');
      const after = await exchange({ grant_type: EXCHANGE, subject_token: first.credential, subject_token_type: CREDENTIAL_TYPE });
      assert.equal(after.body['error'], 'invalid_grant');

      const second = await startSession(aliceToken, { roles: [DS] });
      const byBobsCredential = await api('POST', `/sessions/${second.session.id}/end`, (await startSession(bobToken, { roles: [ANALYST] })).credential);
      assert.equal(byBobsCredential.status, 401, 'a session credential is not a user token');
      await broker.app.services.users.setRoleArns('carol', [RO], 'test');
      const carolToken = (await broker.app.services.sessions.userTokens.create({ userName: 'carol', actor: 'test' })).token;
      for (const action of ['GET', 'POST'] as const) {
        const notMine = await api(action, `/sessions/${second.session.id}${action === 'POST' ? '/end' : ''}`, carolToken);
        assert.equal(notMine.status, 404, `${action}: another user's session does not exist for carol`);
      }
      const byOwner = await api('POST', `/sessions/${second.session.id}/end`, aliceToken);
      assert.equal(byOwner.body['state'], 'ended');
      const again = await api('POST', `/sessions/${second.session.id}/end`, aliceToken);
      assert.equal(again.status, 200, 'ending twice is fine');
    });

    test('listing: own sessions by default, ?all=1 for admins only', async () => {
      const own = await api('GET', '/sessions', aliceToken);
      const sessions = own.body['sessions'] as SessionJson[];
      assert.ok(sessions.length > 0 && sessions.every((s) => s.user === 'alice'));
      const forbidden = await api('GET', '/sessions?all=1', aliceToken);
      assert.equal(forbidden.status, 403);
      const all = await api('GET', '/sessions?all=1', bobToken);
      assert.deepEqual(new Set((all.body['sessions'] as SessionJson[]).map((s) => s.user)), new Set(['alice', 'bob']), 'every user\'s sessions');
      const activeOfAlice = await api('GET', '/sessions?all=1&user=alice&state=active', bobToken);
      assert.ok((activeOfAlice.body['sessions'] as SessionJson[]).every((s) => s.user === 'alice' && s.state === 'active'));
    });

    test('roles can be replaced on an active session, with roles the user holds', async () => {
      const { session, credential } = await startSession(aliceToken, { roles: [DS] });
      const refused = await api('POST', `/sessions/${session.id}/roles`, aliceToken, { roles: [ANALYST] });
      assert.equal(refused.status, 403);
      const replaced = await api('POST', `/sessions/${session.id}/roles`, aliceToken, { roles: [DS, RO] });
      assert.equal(replaced.status, 200);
      assert.deepEqual((replaced.body['roles'] as SessionJson['roles']).map((r) => r.profile), ['DataScientist', 'ReadOnly']);
      const now = await api('GET', '/sessions/current', credential);
      assert.equal((now.body['roles'] as unknown[]).length, 2);
      const token = await exchange({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE, resource: RO });
      assert.equal(token.status, 200);
    });

    test('POST /api/v1/cli/token: a one-time code and its PKCE verifier buy a user API token', async () => {
      const verifier = 'roleport-cli-verifier-0123456789-abcdefghijklmnop';
      const redirectUri = 'http://127.0.0.1:43123/callback';
      const code = await broker.app.services.sessions.cliLogin.issueCode('alice', {
        redirectUri,
        state: 's',
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      });
      const wrong = await api('POST', '/cli/token', undefined, { code, code_verifier: `${verifier}x`, redirect_uri: redirectUri });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body['code'], 'ERR_GRANT_INVALID');
      const spent = await api('POST', '/cli/token', undefined, { code, code_verifier: verifier, redirect_uri: redirectUri });
      assert.equal(spent.status, 400, 'a failed attempt spends the code');

      const fresh = await broker.app.services.sessions.cliLogin.issueCode('alice', { redirectUri, state: 's', codeChallenge: createHash('sha256').update(verifier).digest('base64url') });
      const ok = await api('POST', '/cli/token', undefined, { code: fresh, code_verifier: verifier, redirect_uri: redirectUri });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body['username'], 'alice');
      assert.match(ok.body['token'] as string, /^rpu_/);
      assert.ok(Date.parse(ok.body['expires_at'] as string) > Date.now());
      const list = await api('GET', '/sessions', ok.body['token'] as string);
      assert.equal(list.status, 200);
    });
  });
}
