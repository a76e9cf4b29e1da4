import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, freePort, signInHeadless, startSignIn, startSsoBroker, type SsoBroker } from './sso-fixtures.ts';

/**
 * Hostile and broken sign-in responses: each gets a clear HTML error page with a 4xx/5xx
 * status, and no user is created or changed.
 */
describe('SSO sign-in refuses hostile input and survives a broken IdP', () => {
  let idp: TestIdp;
  let broker: SsoBroker;
  const ports: number[] = [];

  before(async () => {
    for (let i = 0; i < 4; i++) ports.push(await freePort());
    idp = await startTestIdp({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: ports.map((port) => `http://127.0.0.1:${port}/auth/callback`) }],
    });
    broker = await startSsoBroker({ idpIssuer: idp.issuer, port: ports[0]! });
  });
  after(async () => {
    await broker?.close();
    await idp?.close();
  });

  const userCount = (target: SsoBroker = broker) => target.app.services.repositories.users.count();

  async function assertErrorPage(response: Response, status: number, title: RegExp): Promise<string> {
    assert.equal(response.status, status);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const page = await response.text();
    assert.match(page, /<h1 id="error-title">/);
    assert.match(page, title);
    assert.match(page, /role="alert"/);
    assert.match(page, /href="\/login"/, 'the page offers to sign in again');
    return page;
  }

  it('refuses a forged state', async () => {
    const before = await userCount();
    const jar = new CookieJar();
    const authorizationUrl = await startSignIn(broker, jar);
    const callback = new URL(await idp.loginHeadless(authorizationUrl, 'bob', 'bob-password'));
    callback.searchParams.set('state', 'forged-state-value-forged-state-value');
    const page = await assertErrorPage(await jar.fetch(callback), 400, /Sign-in could not be verified/);
    assert.match(page, /state mismatch/);
    assert.equal(await userCount(), before);
    assert.equal(await broker.app.services.users.findByUsername('bob'), undefined);
  });

  it('refuses a callback from a browser that did not start the sign-in (no transaction cookie)', async () => {
    const before = await userCount();
    const jar = new CookieJar();
    const authorizationUrl = await startSignIn(broker, jar);
    const callback = await idp.loginHeadless(authorizationUrl, 'bob', 'bob-password');
    const page = await assertErrorPage(await fetch(callback, { redirect: 'manual' }), 400, /Sign-in could not be verified/);
    assert.match(page, /cookie is missing/);
    assert.equal(await userCount(), before);
  });

  it('refuses a replayed code and changes nothing about the user it signed in', async () => {
    const jar = new CookieJar();
    const authorizationUrl = await startSignIn(broker, jar);
    const loginCookie = jar.cookies.get('roleport_login')!;
    const callback = await idp.loginHeadless(authorizationUrl, 'alice', 'alice-password');
    assert.equal((await jar.fetch(callback)).status, 303);
    const before = await userCount();
    const alice = await broker.app.services.repositories.users.findByUsername('alice');
    assert.ok(alice);

    // The attacker replays the whole callback, login cookie included.
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie: `roleport_login=${loginCookie}` } });
    const page = await assertErrorPage(replay, 400, /The identity provider refused the sign-in/);
    assert.match(page, /invalid_grant/);
    assert.match(page, /works once/);
    assert.equal(await userCount(), before);
    assert.deepEqual(await broker.app.services.repositories.users.findByUsername('alice'), alice, 'the user row and roles are unchanged');
  });

  it('refuses an ID token whose nonce is not the one this browser sent', async () => {
    const before = await userCount();
    const jar = new CookieJar();
    const authorizationUrl = await startSignIn(broker, jar);
    authorizationUrl.searchParams.set('nonce', 'nonce-chosen-by-an-attacker-0123456789');
    const callback = await jar.fetch(await idp.loginHeadless(authorizationUrl, 'bob', 'bob-password'));
    const page = await assertErrorPage(callback, 400, /token was rejected/);
    assert.match(page, /&quot;nonce&quot;/, 'the page names the nonce claim');
    assert.equal(await userCount(), before);
    assert.equal(await broker.app.services.users.findByUsername('bob'), undefined);
  });

  it('shows the IdP\'s error and error_description, escaped', async () => {
    const jar = new CookieJar();
    const authorizationUrl = await startSignIn(broker, jar);
    const callback = new URL(`${broker.url}/auth/callback`);
    callback.searchParams.set('error', 'access_denied');
    callback.searchParams.set('error_description', '<script>alert(1)</script> the user said no');
    callback.searchParams.set('state', authorizationUrl.searchParams.get('state')!);
    const page = await assertErrorPage(await jar.fetch(callback), 400, /The identity provider refused the sign-in/);
    assert.match(page, /<code id="idp-error-code">access_denied<\/code>/);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt; the user said no/);
    assert.doesNotMatch(page, /<script>/);
  });

  it('shows the IdP\'s refusal when the user cancels at the IdP', async () => {
    const before = await userCount();
    const jar = new CookieJar();
    const authorizationUrl = await startSignIn(broker, jar);
    // Walk to the IdP's login form and press "Cancel" (the abort form) instead of signing in.
    const idpJar = new CookieJar();
    let response = await idpJar.fetch(authorizationUrl);
    while (response.status >= 300 && response.status < 400) response = await idpJar.fetch(new URL(response.headers.get('location')!, idp.issuer));
    const abort = /<form id="abort-form" method="post" action="([^"]+)"/.exec(await response.text())?.[1];
    assert.ok(abort);
    response = await idpJar.fetch(new URL(abort, idp.issuer), { method: 'POST' });
    while (response.status >= 300 && response.status < 400 && new URL(response.headers.get('location')!, idp.issuer).origin === idp.issuer) {
      response = await idpJar.fetch(new URL(response.headers.get('location')!, idp.issuer));
    }
    const callback = await jar.fetch(response.headers.get('location')!);
    const page = await assertErrorPage(callback, 400, /refused the sign-in/);
    assert.match(page, /access_denied/);
    assert.equal(await userCount(), before);
  });

  it('refuses an ID token from another issuer than the configured one', async () => {
    // A discovery document that names itself as the issuer but points at the test IdP's
    // endpoints: the code exchange works, and the ID token's iss is the test IdP's.
    const impostor: Server = createServer((req, res) => {
      void (async () => {
        const upstream = (await (await fetch(`${idp.issuer}${req.url ?? '/'}`)).json()) as Record<string, unknown>;
        upstream['issuer'] = impostorUrl;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(upstream));
      })();
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const impostorUrl = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
    const other = await startSsoBroker({ idpIssuer: impostorUrl, port: ports[1]! });
    try {
      const jar = new CookieJar();
      const callback = await signInHeadless(other, idp, jar, 'bob');
      const page = await assertErrorPage(callback, 400, /token was rejected/);
      assert.match(page, /&quot;iss&quot;/, 'the page names the iss claim');
      assert.equal(await userCount(other), 0);
    } finally {
      await other.close();
      impostor.closeAllConnections();
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  it('shows "unreachable" when the IdP answers HTML instead of JSON at the token endpoint, and creates no user', async () => {
    const before = await userCount();
    const jar = new CookieJar();
    const authorizationUrl = await startSignIn(broker, jar);
    const callback = await idp.loginHeadless(authorizationUrl, 'bob', 'bob-password');
    idp.setOutage('html');
    try {
      const page = await assertErrorPage(await jar.fetch(callback), 502, /The identity provider is unreachable/);
      // One expose rule (status < 500): a 502's message stays in the broker's log; the title says what happened.
      assert.doesNotMatch(page, /did not answer with a valid OAuth response/);
      assert.match(page, /details are in the broker’s log/);
    } finally {
      idp.setOutage('none');
    }
    assert.equal(await userCount(), before);
  });

  for (const outage of ['html', 'down', 'reset'] as const) {
    it(`shows "unreachable" at /login when discovery fails (${outage})`, async () => {
      const fresh = await startSsoBroker({ idpIssuer: idp.issuer, port: ports[2]! });
      idp.setOutage(outage);
      try {
        const page = await assertErrorPage(await fetch(`${fresh.url}/login`, { redirect: 'manual' }), 502, /The identity provider is unreachable/);
        assert.ok(!page.includes(idp.issuer), 'a 5xx page carries no internals (one expose rule: status < 500)');
      } finally {
        idp.setOutage('none');
      }
      try {
        // Discovery is retried once the IdP is back.
        const jar = new CookieJar();
        assert.equal((await signInHeadless(fresh, idp, jar, 'bob')).status, 303);
      } finally {
        await fresh.close();
      }
    });
  }
});
