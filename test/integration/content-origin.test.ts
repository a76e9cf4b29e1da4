/**
 * Published content on its own origin (`content.origin` http://localhost:PORT, the broker on
 * 127.0.0.1), over real HTTP with a real IdP sign-in: the one-time hand-off from the broker,
 * what it refuses (replay, another content item, another origin, another browser's state),
 * the content origin's own cookie and headers, and what the upstream may not set.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { freePort } from '../helpers/ports.ts';
import { CookieJar, csrfOf, postForm, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';

interface Upstream {
  url: string;
  server: Server;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
}

/** A content server that echoes the path and sets cookies a hostile publisher would. */
async function startUpstream(): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.setHeader('content-security-policy', "default-src 'self'");
    response.setHeader('service-worker-allowed', '/');
    response.setHeader('set-cookie', [
      'roleport_session=planted-by-content; Path=/',
      '__Host-roleport_session=planted; Path=/; Secure',
      'Roleport_Viewer=planted; Path=/content',
      'app_pref=dark; Path=/',
    ]);
    response.end(`<!doctype html><title>content</title><p id="path">${request.url ?? ''}</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

describe('content origin and the viewer hand-off', () => {
  let env: SessionsEnv;
  let upstream: Upstream;
  let contentUrl: string;
  let a: string;
  let b: string;

  before(async () => {
    const contentPort = await freePort();
    contentUrl = `http://localhost:${contentPort}`;
    upstream = await startUpstream();
    env = await startSessionsEnv({ config: { content: { origin: contentUrl, listen: `127.0.0.1:${contentPort}`, upstreamAllowList: ['127.0.0.0/8'] } } });
    const create = async (name: string) => (await env.broker.app.services.integrations.content.create({ name, upstreamUrl: upstream.url, actor: { name: 'test' } })).guid;
    a = await create('dashboard-a');
    b = await create('dashboard-b');
  });
  after(async () => {
    await env?.close();
    await new Promise<void>((resolve) => (upstream ? upstream.server.close(() => resolve()) : resolve()));
  });

  /** The content origin sends the browser to the broker (step 1); resolves with the broker URL and the state. */
  async function begin(contentJar: CookieJar, guid: string, path = '/page?tab=1'): Promise<{ brokerUrl: string; state: string }> {
    const response = await contentJar.fetch(`${contentUrl}/content/${guid}${path}`);
    assert.equal(response.status, 303);
    const brokerUrl = response.headers.get('location')!;
    const target = new URL(brokerUrl);
    assert.equal(target.origin, env.url);
    assert.equal(target.pathname, '/__oauth__/content/authorize');
    assert.equal(target.searchParams.get('content'), guid);
    return { brokerUrl, state: target.searchParams.get('state')! };
  }

  /** Step 2 at the broker for a signed-in jar: the callback URL on the content origin, with the code. */
  async function codeFor(brokerJar: CookieJar, brokerUrl: string): Promise<URL> {
    const response = await brokerJar.fetch(brokerUrl);
    assert.equal(response.status, 303, await response.clone().text());
    return new URL(response.headers.get('location')!);
  }

  test('a signed-in viewer is handed over: the content origin sets its own cookie and proxies with the user session token', async () => {
    const brokerJar = await env.signIn('alice');
    const contentJar = new CookieJar();
    const { brokerUrl, state } = await begin(contentJar, a);
    const callback = await codeFor(brokerJar, brokerUrl);
    assert.equal(`${callback.origin}${callback.pathname}`, `${contentUrl}/__roleport/handoff/${a}`);
    assert.equal(callback.searchParams.get('state'), state);
    assert.match(callback.searchParams.get('code')!, /^[\w-]{43}$/);

    const landed = await contentJar.fetch(callback);
    assert.equal(landed.status, 303);
    assert.equal(landed.headers.get('location'), `/content/${a}/page?tab=1`);
    const viewerCookie = landed.headers.getSetCookie().find((cookie) => cookie.startsWith('roleport_viewer='));
    assert.ok(viewerCookie, 'the content origin sets its own cookie');
    assert.match(viewerCookie, /Path=\/content\/[\w-]+;/);
    assert.match(viewerCookie, /HttpOnly/);
    assert.match(viewerCookie, /SameSite=Lax/);
    assert.doesNotMatch(viewerCookie, /Domain=/i, 'host-only: no other host gets it');

    const page = await contentJar.fetch(`${contentUrl}/content/${a}/page?tab=1`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<p id="path">\/page\?tab=1<\/p>/);
    const seen = upstream.requests.at(-1)!;
    const token = decodeJwt(String(seen.headers['posit-connect-user-session-token']));
    assert.equal(token.sub, 'user:alice');
    assert.equal(seen.headers['x-forwarded-prefix'], `/content/${a}`);
    assert.doesNotMatch(String(seen.headers.cookie ?? ''), /roleport_/, 'Roleport\'s cookies never reach the upstream');
  });

  test('the upstream cannot set Roleport\'s cookies, nor widen a service worker\'s scope; the content origin sends its sandboxing headers', async () => {
    const { contentJar } = await viewerOf('alice', a);
    const page = await contentJar.fetch(`${contentUrl}/content/${a}/`);
    assert.equal(page.status, 200);
    assert.deepEqual(page.headers.getSetCookie(), ['app_pref=dark; Path=/']);
    assert.equal(page.headers.get('service-worker-allowed'), null);
    const policies = page.headers.get('content-security-policy')!;
    assert.match(policies, /default-src 'self'/, 'the upstream\'s own policy stays');
    assert.match(policies, /sandbox allow-downloads allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts; frame-ancestors 'self'/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-resource-policy'), 'same-origin');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
  });

  test('a hand-off code cannot be replayed', async () => {
    const brokerJar = await env.signIn('alice');
    const contentJar = new CookieJar();
    const first = await codeFor(brokerJar, (await begin(contentJar, a)).brokerUrl);
    assert.equal((await contentJar.fetch(first)).status, 303);
    // A second, valid transaction in the same browser (its viewer cookie gone), and the spent code.
    contentJar.cookies.delete('roleport_viewer');
    const fresh = await begin(contentJar, a);
    const replay = new URL(first);
    replay.searchParams.set('state', fresh.state);
    const replayed = await contentJar.fetch(replay);
    assert.equal(replayed.status, 400);
    assert.match(await replayed.text(), /invalid, expired or already used/);
  });

  test('a code issued for one content item opens no other, and is spent by the attempt', async () => {
    const brokerJar = await env.signIn('alice');
    const contentJar = new CookieJar();
    const codeForA = (await codeFor(brokerJar, (await begin(contentJar, a)).brokerUrl)).searchParams.get('code')!;
    const stateForB = (await begin(contentJar, b)).state;
    const misused = await contentJar.fetch(`${contentUrl}/__roleport/handoff/${b}?code=${codeForA}&state=${stateForB}`);
    assert.equal(misused.status, 400);
    assert.equal(misused.headers.getSetCookie().some((cookie) => cookie.startsWith('roleport_viewer=')), false);
    const stateForA = (await begin(contentJar, a)).state;
    assert.equal((await contentJar.fetch(`${contentUrl}/__roleport/handoff/${a}?code=${codeForA}&state=${stateForA}`)).status, 400);
  });

  test('a code issued for another origin is refused here', async () => {
    const contentJar = new CookieJar();
    const { state } = await begin(contentJar, a);
    const browserSessionId = 'any';
    const code = await env.broker.app.services.integrations.handoff.issueCode({ userName: 'alice', browserSessionId, contentGuid: a, audience: 'http://elsewhere.localhost:1' });
    const response = await contentJar.fetch(`${contentUrl}/__roleport/handoff/${a}?code=${code}&state=${state}`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /invalid, expired or already used/);
  });

  test('a callback URL from another browser (login CSRF) is refused: no state cookie for it here', async () => {
    const attacker = await env.signIn('bob');
    const attackerContent = new CookieJar();
    const attackersCallback = await codeFor(attacker, (await begin(attackerContent, a)).brokerUrl);
    const victimContent = new CookieJar();
    const response = await victimContent.fetch(attackersCallback);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /not started in this browser/);
    assert.equal(victimContent.cookies.has('roleport_viewer'), false);
  });

  test('the viewer cookie of one content item opens no other', async () => {
    const { contentJar } = await viewerOf('alice', a);
    // The jar sends every cookie to every path, as a hostile page could arrange.
    const other = await contentJar.fetch(`${contentUrl}/content/${b}/`);
    assert.equal(other.status, 303);
    assert.equal(new URL(other.headers.get('location')!).pathname, '/__oauth__/content/authorize');
  });

  test('signing out at the broker ends the viewer\'s access on the content origin', async () => {
    const { brokerJar, contentJar } = await viewerOf('carol', a);
    assert.equal((await contentJar.fetch(`${contentUrl}/content/${a}/`)).status, 200);
    const home = await (await brokerJar.fetch(`${env.url}/`)).text();
    assert.equal((await postForm(brokerJar, `${env.url}/logout`, { csrf: csrfOf(home) })).status, 303);
    const after = await contentJar.fetch(`${contentUrl}/content/${a}/`);
    assert.equal(after.status, 303);
    assert.equal(new URL(after.headers.get('location')!).origin, env.url);
  });

  test('an anonymous visitor is sent to sign in at the broker, then comes back through the hand-off', async () => {
    const brokerJar = new CookieJar();
    const contentJar = new CookieJar();
    const { brokerUrl } = await begin(contentJar, a);
    const toLogin = await brokerJar.fetch(brokerUrl);
    assert.equal(toLogin.status, 303);
    const returnTo = new URL(toLogin.headers.get('location')!, env.url).searchParams.get('return_to');
    assert.equal(returnTo, new URL(brokerUrl).pathname + new URL(brokerUrl).search);
    // A post to content without the content origin's cookie is refused, not redirected.
    const post = await contentJar.fetch(`${contentUrl}/content/${a}/form`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(post.status, 401);
  });

  test('content is never served on the broker\'s origin: /content/… there only redirects to the content origin', async () => {
    const brokerJar = await env.signIn('alice');
    const before = upstream.requests.length;
    const response = await brokerJar.fetch(`${env.url}/content/${a}/page?x=1`);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), `${contentUrl}/content/${a}/page?x=1`);
    assert.equal(upstream.requests.length, before);
    const posted = await brokerJar.fetch(`${env.url}/content/${a}/page`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(posted.status, 404);
    assert.equal(upstream.requests.length, before);
  });

  /** A viewer handed over to the content origin: their broker jar and their content jar. */
  async function viewerOf(username: string, guid: string): Promise<{ brokerJar: CookieJar; contentJar: CookieJar }> {
    const brokerJar = await env.signIn(username);
    const contentJar = new CookieJar();
    const callback = await codeFor(brokerJar, (await begin(contentJar, guid)).brokerUrl);
    assert.equal((await contentJar.fetch(callback)).status, 303);
    return { brokerJar, contentJar };
  }
});
