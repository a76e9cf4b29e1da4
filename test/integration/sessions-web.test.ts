import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CookieJar, DS, RO, confirmCliLogin, csrfOf, exchangeToken, postForm, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';

/**
 * The session pages over HTTP without a browser (the browser walk-through is in
 * test/e2e/sessions-web-browser.test.ts): alice signs in at the test IdP, picks roles and
 * starts a session; the page shows its credential once and the credential works at the token
 * endpoint; forged or foreign forms change nothing; admins see every session and the audit
 * log; and `/cli/login` hands the CLI a one-time code after the normal sign-in.
 */
describe('session pages, admin pages and the CLI sign-in (headless)', () => {
  let env: SessionsEnv;
  let alice: CookieJar;
  let bob: CookieJar;

  before(async () => {
    env = await startSessionsEnv({ admins: ['bob'] });
    alice = await env.signIn('alice');
    bob = await env.signIn('bob');
  });
  after(() => env?.close());

  const page = async (jar: CookieJar, path: string): Promise<{ status: number; text: string; headers: Headers }> => {
    const response = await jar.fetch(`${env.url}${path}`);
    return { status: response.status, text: await response.text(), headers: response.headers };
  };
  const count = async (): Promise<number> => Number((await env.broker.app.services.store.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  test('signed out, the pages send the visitor to sign in and back', async () => {
    const response = await new CookieJar().fetch(`${env.url}/sessions/new`);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), `/login?return_to=${encodeURIComponent('/sessions/new')}`);
  });

  test('the role picker lists alice\'s roles from the IdP claim', async () => {
    const picker = await page(alice, '/sessions/new');
    assert.equal(picker.status, 200);
    assert.match(picker.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const offered = [...picker.text.matchAll(/name="roles" value="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(offered, [DS, RO]);
    assert.match(picker.text, /<option value="viewer">/, 'viewer tokens are offered: SSO is on');
    // Where the viewer source is chosen, it says that the IdP's tokens cannot be bound to the roles.
    assert.match(picker.text, /<p class="hint warning" id="viewer-unbound">[^<]*cannot be bound[^<]*every role that trusts the IdP and you/);
  });

  test('start a session from the page: the credential is shown once and works at the token endpoint', async () => {
    const picker = await page(alice, '/sessions/new');
    const response = await postForm(alice, `${env.url}/sessions`, { csrf: csrfOf(picker.text), roles: [DS, RO], token_source: 'broker', token_ttl_seconds: '900', region: 'eu-central-1' }, { origin: env.url });
    const started = await response.text();
    assert.equal(response.status, 201, started);
    const credential = /<code id="session-credential">([^<]+)<\/code>/.exec(started)?.[1];
    const id = /<code id="session-id">([^<]+)<\/code>/.exec(started)?.[1];
    assert.ok(credential !== undefined && id !== undefined);
    assert.match(credential, new RegExp(`^rps_${id}\\.`));
    assert.match(started, /export AWS_ROLE_ARN=arn:aws:iam::111111111111:role\/DataScientist/);
    assert.match(started, /export AWS_REGION=eu-central-1/);
    assert.match(started, /export AWS_STS_REGIONAL_ENDPOINTS=regional/);
    assert.doesNotMatch(started, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);

    const token = await exchangeToken(env.url, credential);
    assert.equal(token.status, 200);
    assert.equal(token.body['expires_in'], 900);

    const detail = await page(alice, `/sessions/${id}`);
    assert.equal(detail.status, 200);
    assert.ok(!detail.text.includes(credential), 'the credential is never shown again');
    assert.match(detail.text, /<figcaption id="timeline-summary" data-tokens="1" data-gaps="0">/);
    assert.match(detail.text, /<svg id="refresh-timeline"/);

    const list = await page(alice, '/sessions');
    assert.match(list.text, new RegExp(`<tr class="session" id="session-${id}" data-state="active">`));
  });

  test("a session with GCP and Azure targets shows their variables after the AWS ones, and the other targets' files", async () => {
    const provider = 'projects/123456789012/locations/global/workloadIdentityPools/roleport/providers/broker';
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const users = env.broker.app.services.users;
    await users.setGcpTargets('alice', [`name=analytics,provider=${provider}`, `name=deployer,provider=${provider},service_account=deployer@my-project.iam.gserviceaccount.com`], 'test');
    await users.setAzureTargets('alice', [`name=ml,tenant_id=${tenant},client_id=11111111-2222-3333-4444-555555555555`], 'test');
    const userToken = (await env.broker.app.services.sessions.userTokens.create({ userName: 'alice', actor: 'test' })).token;
    const response = await fetch(`${env.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: [DS], gcp_targets: ['analytics', 'deployer'], azure_targets: ['ml'] }),
    });
    const started = (await response.json()) as { session: { id: string } };
    assert.equal(response.status, 201, JSON.stringify(started));
    const id = started.session.id;
    const detail = await page(alice, `/sessions/${id}`);
    const block = /<pre id="session-env" tabindex="0"><code>([^<]*)<\/code><\/pre>/.exec(detail.text)?.[1] ?? '';
    const dir = `$HOME/.roleport/sessions/${id}`;
    assert.deepEqual(block.split('\n').slice(-5), [
      `export GOOGLE_APPLICATION_CREDENTIALS=&quot;${dir}/gcp/analytics.json&quot;`,
      `export AZURE_TENANT_ID=${tenant}`,
      'export AZURE_CLIENT_ID=11111111-2222-3333-4444-555555555555',
      `export AZURE_FEDERATED_TOKEN_FILE=&quot;${dir}/azure/ml.jwt&quot;`,
      'export AZURE_AUTHORITY_HOST=https://login.microsoftonline.com',
    ]);
    assert.match(block, /^export AWS_ROLE_ARN=arn:aws:iam::111111111111:role\/DataScientist$/m);
    assert.match(detail.text, new RegExp(`<p class="hint" id="other-targets">Other cloud targets: <code>\\$HOME/\\.roleport/sessions/${id}/gcp/deployer\\.json</code>\\.</p>`));
    await users.setGcpTargets('alice', [], 'test');
    await users.setAzureTargets('alice', [], 'test');
  });

  test('forged, foreign and impossible forms start nothing', async () => {
    const before = await count();
    const csrf = csrfOf((await page(alice, '/sessions/new')).text);
    const noCsrf = await postForm(alice, `${env.url}/sessions`, { roles: DS });
    assert.equal(noCsrf.status, 403);
    const bobsCsrf = await postForm(alice, `${env.url}/sessions`, { csrf: csrfOf((await page(bob, '/sessions/new')).text), roles: DS });
    assert.equal(bobsCsrf.status, 403, 'a token of another browser session');
    const foreignOrigin = await postForm(alice, `${env.url}/sessions`, { csrf, roles: DS }, { origin: 'https://evil.example' });
    assert.equal(foreignOrigin.status, 403);
    const notHers = await postForm(alice, `${env.url}/sessions`, { csrf, roles: 'arn:aws:iam::111111111111:role/Analyst' });
    assert.equal(notHers.status, 403);
    assert.match(await notHers.text(), /does not hold role/);
    const none = await postForm(alice, `${env.url}/sessions`, { csrf });
    assert.equal(none.status, 400);
    const signedOut = await postForm(new CookieJar(), `${env.url}/sessions`, { csrf, roles: DS });
    assert.equal(signedOut.status, 303);
    assert.equal(await count(), before);
  });

  test('alice ends her session; carol cannot touch it; bob revokes as admin; alice cannot see the admin pages', async () => {
    const jar = alice;
    const started = await postForm(jar, `${env.url}/sessions`, { csrf: csrfOf((await page(jar, '/sessions/new')).text), roles: DS });
    const id = /<code id="session-id">([^<]+)<\/code>/.exec(await started.text())![1]!;

    const carol = await env.signIn('carol');
    const carolEnds = await postForm(carol, `${env.url}/sessions/${id}/end`, { csrf: csrfOf((await page(carol, '/sessions')).text) });
    assert.equal(carolEnds.status, 404, 'someone else\'s session does not exist for carol');
    assert.equal((await page(carol, `/sessions/${id}`)).status, 404);

    for (const path of ['/admin/sessions', '/admin/audit', '/admin/audit/export']) assert.equal((await page(alice, path)).status, 403, path);

    const all = await page(bob, '/admin/sessions?user=alice&state=active');
    assert.equal(all.status, 200);
    assert.match(all.text, new RegExp(`id="session-${id}"`));
    // Revoking asks first: without confirmed=yes (a browser without JavaScript) the answer is a page asking, and nothing changes.
    const asked = await postForm(bob, `${env.url}/admin/sessions/${id}/revoke`, { csrf: csrfOf(all.text), return_to: '/admin/sessions?user=alice&state=active' });
    assert.equal(asked.status, 200);
    const question = await asked.text();
    assert.match(question, /<form method="post" action="\/admin\/sessions\/ses_[a-z0-9]+\/revoke" class="actions" id="confirm-form">/);
    assert.match(question, /<input type="hidden" name="confirmed" value="yes">/);
    assert.match(question, /<a class="button secondary" id="confirm-cancel" href="\/admin\/sessions\?user=alice&amp;state=active">Cancel<\/a>/);
    assert.match((await page(alice, `/sessions/${id}`)).text, /state-active/, 'not revoked before the answer');
    const revoke = await postForm(bob, `${env.url}/admin/sessions/${id}/revoke`, { csrf: csrfOf(all.text), confirmed: 'yes', return_to: '/admin/sessions?user=alice&state=active' });
    assert.equal(revoke.status, 303);
    assert.equal(revoke.headers.get('location'), '/admin/sessions?user=alice&state=active&notice=session-revoked', 'back to the list with its filter, and a notice');
    assert.match((await page(bob, revoke.headers.get('location')!)).text, /<p class="notice success" role="status" id="notice">Session revoked\./);
    // A return_to off this site goes nowhere but here.
    const offsite = await postForm(bob, `${env.url}/admin/sessions/${id}/revoke`, { csrf: csrfOf(all.text), confirmed: 'yes', return_to: '//evil.example/x' });
    assert.equal(offsite.headers.get('location'), '/?notice=session-revoked');
    const detail = await page(alice, `/sessions/${id}`);
    assert.match(detail.text, /<span class="state state-revoked">revoked<\/span>/);

    const second = await postForm(jar, `${env.url}/sessions`, { csrf: csrfOf((await page(jar, '/sessions/new')).text), roles: RO });
    const secondId = /<code id="session-id">([^<]+)<\/code>/.exec(await second.text())![1]!;
    const end = await postForm(jar, `${env.url}/sessions/${secondId}/end`, { csrf: csrfOf((await page(jar, '/sessions')).text), confirmed: 'yes' });
    assert.equal(end.status, 303);
    assert.equal(end.headers.get('location'), `/sessions/${secondId}?notice=session-ended`);
    assert.match((await page(jar, `/sessions/${secondId}`)).text, /state-ended/);
  });

  test('the audit log page filters by user, session, role and event, and exports JSON lines', async () => {
    const jar = alice;
    const started = await postForm(jar, `${env.url}/sessions`, { csrf: csrfOf((await page(jar, '/sessions/new')).text), roles: [DS, RO] });
    const text = await started.text();
    const id = /<code id="session-id">([^<]+)<\/code>/.exec(text)![1]!;
    const credential = /<code id="session-credential">([^<]+)<\/code>/.exec(text)![1]!;
    await exchangeToken(env.url, credential);
    await exchangeToken(env.url, credential, { resource: RO });

    const filtered = await page(bob, `/admin/audit?session=${id}&event=token.minted`);
    assert.equal(filtered.status, 200);
    const rows = [...filtered.text.matchAll(/<tr class="audit-event" data-type="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(rows, ['token.minted', 'token.minted']);
    const byRole = await page(bob, `/admin/audit?session=${id}&role=${encodeURIComponent(RO)}`);
    assert.equal([...byRole.text.matchAll(/class="audit-event"/g)].length, 1);
    const byUser = await page(bob, `/admin/audit?user=alice&event=session.started&limit=500`);
    assert.ok([...byUser.text.matchAll(/data-type="session.started"/g)].length >= 1);
    assert.doesNotMatch(byUser.text, /data-type="token.minted"/);

    const exported = await bob.fetch(`${env.url}/admin/audit/export?session=${id}`);
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.match(exported.headers.get('content-disposition') ?? '', /attachment/);
    const lines = (await exported.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l['type']), ['session.started', 'token.minted', 'token.minted'], 'oldest first');
    assert.ok(lines.every((l) => l['session_id'] === id && l['user'] === 'alice'));
    assert.deepEqual(lines.slice(1).map((l) => l['role_arn']), [DS, RO]);
    assert.ok(!JSON.stringify(lines).includes(credential.split('.')[1]!), 'no secret in the audit log');
  });

  test('/cli/login: a signed-out browser signs in first, then the CLI gets a one-time code for its loopback', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://127.0.0.1:45678/callback';
    const query = `redirect_uri=${encodeURIComponent(redirectUri)}&state=cli-state-1&code_challenge=${challenge}&code_challenge_method=S256&user_code=BCDF-GHJK`;

    const jar = new CookieJar();
    const first = await jar.fetch(`${env.url}/cli/login?${query}`);
    assert.equal(first.status, 303);
    const returnTo = new URL(first.headers.get('location')!, env.url).searchParams.get('return_to');
    assert.equal(returnTo, `/cli/login?${query}`);
    // The normal sign-in, brought back to /cli/login.
    const login = await jar.fetch(`${env.url}${first.headers.get('location')}`);
    const callback = await env.idp.loginHeadless(login.headers.get('location')!, 'alice', 'alice-password');
    const back = await jar.fetch(callback);
    assert.equal(back.headers.get('location'), `/cli/login?${query}`);
    // The consent page, then the user's confirmation: only that sends the code.
    const redirect = await confirmCliLogin(jar, `${env.url}${back.headers.get('location')}`, 'BCDF-GHJK');
    assert.equal(redirect.status, 303);
    const target = new URL(redirect.headers.get('location')!);
    assert.equal(`${target.origin}${target.pathname}`, redirectUri);
    assert.equal(target.searchParams.get('state'), 'cli-state-1');
    const code = target.searchParams.get('code')!;

    const token = await fetch(`${env.url}/api/v1/cli/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, code_verifier: verifier, redirect_uri: redirectUri }) });
    const body = (await token.json()) as Record<string, string>;
    assert.equal(token.status, 200, JSON.stringify(body));
    assert.equal(body['username'], 'alice');
    const sessions = await fetch(`${env.url}/api/v1/sessions`, { headers: { authorization: `Bearer ${body['token']}` } });
    assert.equal(sessions.status, 200);
    const again = await fetch(`${env.url}/api/v1/cli/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, code_verifier: verifier, redirect_uri: redirectUri }) });
    assert.equal(again.status, 400, 'the code is single-use');
  });

  test('/cli/login refuses non-loopback redirects, missing PKCE and a missing user code before any sign-in', async () => {
    const challenge = createHash('sha256').update('x'.repeat(43)).digest('base64url');
    for (const [name, query] of [
      ['no user code', `redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&state=s&code_challenge=${challenge}`],
      ['lower-case user code', `redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&state=s&code_challenge=${challenge}&user_code=bcdf-ghjk`],
      ['hostile device name', `redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&state=s&code_challenge=${challenge}&user_code=BCDF-GHJK&device=${encodeURIComponent('evil\u202ehost')}`],
      ['https redirect', `redirect_uri=${encodeURIComponent('https://evil.example/cb')}&state=s&code_challenge=${challenge}`],
      ['remote http redirect', `redirect_uri=${encodeURIComponent('http://evil.example:8080/cb')}&state=s&code_challenge=${challenge}`],
      ['no port', `redirect_uri=${encodeURIComponent('http://127.0.0.1/cb')}&state=s&code_challenge=${challenge}`],
      ['no challenge', `redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&state=s`],
      ['plain method', `redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&state=s&code_challenge=${challenge}&code_challenge_method=plain`],
      ['no state', `redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&code_challenge=${challenge}`],
    ] as const) {
      const response = await alice.fetch(`${env.url}/cli/login?${query}`);
      assert.equal(response.status, 400, name);
      assert.equal(response.headers.get('location'), null, name);
    }
  });
});
