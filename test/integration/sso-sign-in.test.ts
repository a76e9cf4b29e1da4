import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK } from 'jose';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, freePort, homePage, rolesOnPage, signInHeadless, startSignIn, startSsoBroker, type SsoBroker } from './sso-fixtures.ts';

describe('SSO sign-in through the pages (test IdP, client_secret_basic)', () => {
  let idp: TestIdp;
  let broker: SsoBroker;

  before(async () => {
    const port = await freePort();
    idp = await startTestIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${port}/auth/callback`] }] });
    broker = await startSsoBroker({ idpIssuer: idp.issuer, port });
  });
  after(async () => {
    await broker?.close();
    await idp?.close();
  });

  it('sends the browser to the IdP with PKCE S256, state, nonce, the configured scopes and the exact redirect URI', async () => {
    const jar = new CookieJar();
    const url = await startSignIn(broker, jar);
    assert.equal(url.origin, idp.issuer);
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('redirect_uri'), `${broker.url}/auth/callback`);
    assert.equal(url.searchParams.get('scope'), 'openid profile email offline_access');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok((url.searchParams.get('state') ?? '').length >= 32);
    assert.ok((url.searchParams.get('nonce') ?? '').length >= 32);
    const response = await fetch(`${broker.url}/login`, { redirect: 'manual' });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('roleport_login='));
    assert.ok(setCookie);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    assert.match(setCookie, /Path=\/auth\/callback/);
    assert.match(setCookie, /Max-Age=600/);
    assert.doesNotMatch(setCookie, /Secure/i, 'an http issuer gets no Secure cookies');
    assert.doesNotMatch(setCookie, new RegExp(url.searchParams.get('state')!), 'the transaction cookie is sealed');
  });

  it('signs alice in: user created from the claims, two roles from the array claim, a session cookie, the home page', async () => {
    const jar = new CookieJar();
    const callback = await signInHeadless(broker, idp, jar, 'alice');
    assert.equal(callback.status, 303);
    assert.equal(callback.headers.get('location'), '/');
    const sessionCookie = callback.headers.getSetCookie().find((c) => c.startsWith('roleport_session='));
    assert.ok(sessionCookie);
    assert.match(sessionCookie, /HttpOnly/i);
    assert.match(sessionCookie, /SameSite=Lax/i);
    assert.ok(!jar.cookies.has('roleport_login'), 'the login transaction cookie is cleared');

    const page = await homePage(broker, jar);
    assert.match(page, /<strong id="current-user">alice<\/strong>/);
    assert.deepEqual(rolesOnPage(page), [
      { arn: 'arn:aws:iam::111111111111:role/DataScientist', source: 'claim' },
      { arn: 'arn:aws:iam::222222222222:role/ReadOnly', source: 'claim' },
    ]);
    assert.match(page, /<main id="main">/);

    const alice = await broker.app.services.users.findByUsername('alice');
    assert.ok(alice);
    assert.equal(alice.email, 'alice@example.com');
    assert.equal(alice.displayName, 'Alice Example');
    assert.deepEqual(alice.groups, ['data-science', 'engineering']);
    assert.equal(alice.roleSessionName, 'alice');
    assert.equal(alice.subject, 'alice');
    assert.equal(alice.idpIssuer, idp.issuer);
    assert.ok(alice.lastSignInAt !== null);

    await broker.app.services.audit.flush();
    const events = await broker.app.services.repositories.auditEvents.query({ userName: 'alice' });
    const types = events.map((event) => event.type);
    assert.ok(types.includes('user.created'));
    assert.ok(types.includes('user.signed_in'));
    assert.ok(types.includes('user.roles_set'));
  });

  it('reads a single role from a string claim (bob) and none for a user without the claim (carol)', async () => {
    const bobJar = new CookieJar();
    assert.equal((await signInHeadless(broker, idp, bobJar, 'bob')).status, 303);
    assert.deepEqual(rolesOnPage(await homePage(broker, bobJar)), [{ arn: 'arn:aws:iam::111111111111:role/Analyst', source: 'claim' }]);

    const carolJar = new CookieJar();
    assert.equal((await signInHeadless(broker, idp, carolJar, 'carol')).status, 303);
    const page = await homePage(broker, carolJar);
    assert.deepEqual(rolesOnPage(page), []);
    assert.match(page, /id="no-roles"/);
  });

  it('returns to a local path after sign-in and never to another site, whatever the characters (never a 500)', async () => {
    for (const [returnTo, expected] of [
      ['/sessions?x=1', '/sessions?x=1'],
      ['//evil.example/', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
      ['/。evil.example', '/%E3%80%82evil.example'],
      ['/.//evil.example', '/'],
      ['/\u202eelpmaxe.live', '/%E2%80%AEelpmaxe.live'],
      ['/\u001b[31mred', '/'],
      ['/a\r\nSet-Cookie: x=1', '/'],
      ['/\u0000', '/'],
    ] as const) {
      const jar = new CookieJar();
      const authorizationUrl = await startSignIn(broker, jar, returnTo);
      const callback = await jar.fetch(await idp.loginHeadless(authorizationUrl, 'bob', 'bob-password'));
      assert.equal(callback.headers.get('location'), expected, returnTo);
    }
  });

  it('signs out with the CSRF token; the old cookie then opens nothing; a post without the token is refused', async () => {
    const jar = new CookieJar();
    await signInHeadless(broker, idp, jar, 'alice');
    const page = await homePage(broker, jar);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(csrf);
    const staleCookie = jar.cookies.get('roleport_session');

    const forged = await jar.fetch(`${broker.url}/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=wrong' });
    assert.equal(forged.status, 403);
    assert.match(forged.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await forged.text(), /The form could not be accepted/);
    const foreign = await jar.fetch(`${broker.url}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: `csrf=${encodeURIComponent(csrf)}`,
    });
    assert.equal(foreign.status, 403);
    assert.match(await homePage(broker, jar), /id="current-user"/, 'still signed in after refused posts');

    const out = await jar.fetch(`${broker.url}/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/?signed_out=1');
    assert.ok(!jar.cookies.has('roleport_session'));
    const landing = await (await jar.fetch(`${broker.url}/?signed_out=1`)).text();
    assert.match(landing, /You are signed out/);
    assert.match(landing, /href="\/login"/);

    const replay = await fetch(`${broker.url}/`, { headers: { cookie: `roleport_session=${staleCookie}` } });
    assert.doesNotMatch(await replay.text(), /id="current-user"/, 'the server-side session is gone');
  });

  it('refuses a session cookie with a bad signature', async () => {
    const jar = new CookieJar();
    await signInHeadless(broker, idp, jar, 'alice');
    const value = jar.cookies.get('roleport_session')!;
    // Another session id under the original signature.
    const tampered = `${value.startsWith('A') ? 'B' : 'A'}${value.slice(1)}`;
    const response = await fetch(`${broker.url}/`, { headers: { cookie: `roleport_session=${tampered}` } });
    assert.doesNotMatch(await response.text(), /id="current-user"/);
  });

  it('marks cookies Secure when the broker\'s issuer is https (behind a TLS proxy)', async () => {
    const behindTls = await startSsoBroker({ idpIssuer: idp.issuer, port: await freePort(), publicUrl: 'https://roleport.example.test' });
    try {
      const response = await fetch(`${behindTls.url}/login`, { redirect: 'manual' });
      assert.equal(response.status, 303);
      assert.equal(new URL(response.headers.get('location')!).searchParams.get('redirect_uri'), 'https://roleport.example.test/auth/callback');
      const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('roleport_login='));
      assert.match(setCookie ?? '', /; Secure/);
    } finally {
      await behindTls.close();
    }
  });

  it('serves pages with a strict Content-Security-Policy and no caching', async () => {
    const response = await fetch(`${broker.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const css = await fetch(`${broker.url}/static/roleport.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });
});

describe('SSO client authentication methods', () => {
  let idp: TestIdp;
  let port: number;
  let keyDir: string;
  let keyFile: string;

  before(async () => {
    port = await freePort();
    keyDir = await mkdtemp(join(tmpdir(), 'roleport-sso-key-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keyFile = join(keyDir, 'client.pem');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const redirect = [`http://127.0.0.1:${port}/auth/callback`];
    idp = await startTestIdp({
      clients: [
        { client_id: 'rp-post', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_post', redirect_uris: redirect },
        { client_id: 'rp-jwt', redirect_uris: redirect, jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid: 'k1' }] }, token_endpoint_auth_signing_alg: 'ES256' },
        { client_id: 'rp-public', redirect_uris: redirect },
      ],
    });
  });
  after(async () => {
    await idp?.close();
    await rm(keyDir, { recursive: true, force: true });
  });

  const cases = [
    { name: 'client_secret_post', sso: { clientId: 'rp-post', tokenEndpointAuthMethod: 'client_secret_post' } },
    { name: 'private_key_jwt', sso: () => ({ clientId: 'rp-jwt', clientSecret: undefined, tokenEndpointAuthMethod: 'private_key_jwt', privateKeyFile: keyFile, privateKeyId: 'k1' }) },
    { name: 'none (public client, PKCE only)', sso: { clientId: 'rp-public', clientSecret: undefined, tokenEndpointAuthMethod: 'none' } },
  ];
  for (const testCase of cases) {
    it(`signs bob in with ${testCase.name}`, async () => {
      const sso = typeof testCase.sso === 'function' ? testCase.sso() : testCase.sso;
      const broker = await startSsoBroker({ idpIssuer: idp.issuer, port, sso });
      try {
        const jar = new CookieJar();
        const callback = await signInHeadless(broker, idp, jar, 'bob');
        assert.equal(callback.status, 303, await callback.clone().text());
        assert.deepEqual(rolesOnPage(await homePage(broker, jar)), [{ arn: 'arn:aws:iam::111111111111:role/Analyst', source: 'claim' }]);
      } finally {
        await broker.close();
      }
    });
  }
});
