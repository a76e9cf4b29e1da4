/**
 * The smaller findings of the security review, over real HTTP: sign-out only by a
 * CSRF-protected post of the signed-in browser; no code or credential of a query string in
 * the request log; HSTS when the public URL is https and nosniff on every response (the fast
 * path's included); rate limits answering 429 in each route's own protocol.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApplication, type Application } from '../../src/app.ts';
import { loadConfig, type RoleportConfigInput } from '../../src/config/index.ts';
import { freePort } from '../helpers/ports.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, csrfOf, postForm, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';

const EXCHANGE = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'rps_ses_nope.x', subject_token_type: 'urn:roleport:params:oauth:token-type:session-credential' };

/** A broker from `createApplication` with any public URLs, listening on 127.0.0.1; its log lines kept. */
async function startBroker(overrides: Partial<RoleportConfigInput> & { issuer: string }, port?: number): Promise<{ url: string; app: Application; logLines: string[]; close(): Promise<void> }> {
  port ??= await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'roleport-hardening-'));
  const config = loadConfig({ env: {}, overrides: { log: { level: 'info' }, ...overrides, listen: `127.0.0.1:${port}`, dataDir } });
  const logLines: string[] = [];
  const app = await createApplication(config, { background: false, logDestination: { write: (line: string) => void logLines.push(line) } });
  await app.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    logLines,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The test IdP and a broker signing in through it, whose public URL is `publicUrl` (default: its own address). */
async function startSignInBroker(publicUrl?: string): Promise<{ idp: TestIdp; broker: Awaited<ReturnType<typeof startBroker>> }> {
  const port = await freePort();
  const issuer = publicUrl ?? `http://127.0.0.1:${port}`;
  const idp = await startTestIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${issuer}/auth/callback`] }] });
  const broker = await startBroker({ issuer, sso: { enabled: true, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } }, port);
  return { idp, broker };
}

describe('sign-out', () => {
  let env: SessionsEnv;
  before(async () => {
    env = await startSessionsEnv();
  });
  after(() => env?.close());

  test('a cross-site post to /logout (no cookie, as a browser sends it, no CSRF token) changes nothing: no Set-Cookie, the session lives', async () => {
    const jar = await env.signIn('alice');
    const cookie = jar.cookies.get('roleport_session');
    const forged = await fetch(`${env.url}/logout`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, body: '' });
    assert.equal(forged.status, 303);
    assert.equal(forged.headers.get('location'), '/');
    assert.deepEqual(forged.headers.getSetCookie(), [], 'the response does not clear the browser\'s cookie');
    assert.match(await (await jar.fetch(`${env.url}/`)).text(), /id="current-user"/);
    assert.equal(jar.cookies.get('roleport_session'), cookie);
  });

  test('GET /logout signs nobody out', async () => {
    const jar = await env.signIn('alice');
    const response = await jar.fetch(`${env.url}/logout`);
    assert.equal(response.status, 404);
    assert.match(await (await jar.fetch(`${env.url}/`)).text(), /id="current-user"/);
  });

  test('the signed-in browser\'s own form signs out', async () => {
    const jar = await env.signIn('alice');
    const out = await postForm(jar, `${env.url}/logout`, { csrf: csrfOf(await (await jar.fetch(`${env.url}/`)).text()) });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/?signed_out=1');
    assert.equal(jar.cookies.has('roleport_session'), false);
  });
});

describe('the session cookie over https', () => {
  let idp: TestIdp;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  const publicUrl = 'https://roleport.example.test';

  before(async () => {
    ({ idp, broker } = await startSignInBroker(publicUrl));
  });
  after(async () => {
    await broker?.close();
    await idp?.close();
  });

  test('is __Host-roleport_session: Secure, Path=/, no Domain — no other host can set or shadow it', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${broker.url}/login`);
    // The IdP sends the browser to the public URL; here it reaches the broker directly (TLS would end at a proxy).
    const callback = new URL(await idp.loginHeadless(login.headers.get('location')!, 'alice', 'alice-password'));
    const done = await jar.fetch(`${broker.url}${callback.pathname}${callback.search}`);
    assert.equal(done.status, 303, await done.clone().text());
    const cookie = done.headers.getSetCookie().find((header) => header.startsWith('__Host-roleport_session='));
    assert.ok(cookie, done.headers.getSetCookie().join(' | '));
    assert.match(cookie, /; Path=\/(;|$)/);
    assert.match(cookie, /; Secure/);
    assert.doesNotMatch(cookie, /Domain=/i);
    assert.match(await (await jar.fetch(`${broker.url}/`)).text(), /id="current-user">alice</);
    // The plain name opens nothing over https.
    const plain = await fetch(`${broker.url}/`, { headers: { cookie: `roleport_session=${jar.cookies.get('__Host-roleport_session')}` } });
    assert.doesNotMatch(await plain.text(), /id="current-user"/);
  });
});

describe('request logs', () => {
  let idp: TestIdp;
  let broker: Awaited<ReturnType<typeof startBroker>>;

  before(async () => {
    ({ idp, broker } = await startSignInBroker());
  });
  after(async () => {
    await broker?.close();
    await idp?.close();
  });

  test('the sign-in callback is logged at info without its code and state', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${broker.url}/login`);
    const callback = new URL(await idp.loginHeadless(login.headers.get('location')!, 'alice', 'alice-password'));
    const code = callback.searchParams.get('code')!;
    const state = callback.searchParams.get('state')!;
    assert.equal((await jar.fetch(callback)).status, 303);
    const requests = broker.logLines.map((line) => JSON.parse(line) as { level: number; req?: { url?: string } }).filter((line) => line.req?.url?.startsWith('/auth/callback'));
    assert.ok(requests.length > 0 && requests.every((line) => line.level === 30), 'the callback is logged at info');
    assert.match(requests[0]!.req!.url!, /^\/auth\/callback\?code=\[redacted\]&state=\[redacted\]/);
    const all = broker.logLines.join('\n');
    assert.ok(!all.includes(code), 'the code appears in no log line');
    assert.ok(!all.includes(state), 'the state appears in no log line');
  });
});

describe('security headers', () => {
  const brokers: Array<Awaited<ReturnType<typeof startBroker>>> = [];
  after(async () => {
    for (const broker of brokers) await broker.close();
  });

  test('an https issuer: HSTS and nosniff on every response — discovery\'s fast path, JSON, OAuth errors, pages, the content origin', async () => {
    const contentPort = await freePort();
    const broker = await startBroker({ issuer: 'https://roleport.example.test', content: { origin: 'https://content.example.test', listen: `127.0.0.1:${contentPort}` } });
    brokers.push(broker);
    for (const [what, response] of [
      ['discovery (fast path)', await fetch(`${broker.url}/.well-known/openid-configuration`)],
      ['JWKS with a query (Fastify route)', await fetch(`${broker.url}/openid/v1/jwks?x=1`)],
      ['API JSON 404', await fetch(`${broker.url}/api/v1/nothing`)],
      ['OAuth error JSON', await fetch(`${broker.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'x' }) })],
      ['landing page', await fetch(`${broker.url}/`)],
      ['readiness', await fetch(`${broker.url}/readyz`)],
      ['content origin', await fetch(`http://127.0.0.1:${contentPort}/healthz`)],
    ] as const) {
      assert.equal(response.headers.get('strict-transport-security'), 'max-age=31536000', what);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
    }
  });

  test('an http issuer: nosniff, and no HSTS (a browser would ignore it, and it could pin a name that is not ours)', async () => {
    const port = await freePort();
    const broker = await startBroker({ issuer: `http://127.0.0.1:${port}` });
    brokers.push(broker);
    for (const path of ['/.well-known/openid-configuration', '/api/v1/nothing', '/']) {
      const response = await fetch(`${broker.url}${path}`);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('strict-transport-security'), null, path);
    }
  });
});

describe('rate limits', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  const limit = { max: 3, windowSeconds: 60 };

  before(async () => {
    const port = await freePort();
    broker = await startBroker({
      issuer: `http://127.0.0.1:${port}`,
      trustedProxies: ['127.0.0.1'],
      rateLimits: { signIn: limit, cliLogin: limit, token: limit, credentials: limit },
    });
  });
  after(() => broker?.close());

  /** Sends `request` until the limit is reached; resolves with the first answer past it. */
  async function pastTheLimit(request: () => Promise<Response>): Promise<Response> {
    for (let i = 0; i < limit.max; i++) assert.notEqual((await request()).status, 429, `request ${i + 1} is within the limit`);
    return request();
  }

  test('POST /oauth/token: 429 with OAuth JSON (temporarily_unavailable) and Retry-After', async () => {
    const response = await pastTheLimit(() => fetch(`${broker.url}/oauth/token`, { method: 'POST', body: new URLSearchParams(EXCHANGE), headers: { 'x-forwarded-for': '198.51.100.1' } }));
    assert.equal(response.status, 429);
    assert.deepEqual(Object.keys((await response.json()) as object), ['error', 'error_description']);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  test('the integrations credentials exchange: 429 with OAuth JSON', async () => {
    const response = await pastTheLimit(() => fetch(`${broker.url}/__api__/v1/oauth/integrations/credentials`, { method: 'POST', body: new URLSearchParams(EXCHANGE), headers: { 'x-forwarded-for': '198.51.100.2' } }));
    assert.equal(response.status, 429);
    const body = (await response.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'temporarily_unavailable');
    assert.match(body.error_description, /too many requests from this address; retry in/);
  });

  test('POST /api/v1/cli/token: 429 with the API\'s {code, message}', async () => {
    const response = await pastTheLimit(() =>
      fetch(`${broker.url}/api/v1/cli/token`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.3' }, body: JSON.stringify({ code: 'x', code_verifier: 'v'.repeat(43), redirect_uri: 'http://127.0.0.1:1/callback' }) }),
    );
    assert.equal(response.status, 429);
    assert.equal(((await response.json()) as { code: string }).code, 'ERR_RATE_LIMITED');
  });

  test('sign-in and /cli/login: 429 as an HTML page', async () => {
    for (const [path, address] of [['/login', '198.51.100.4'], ['/cli/login', '198.51.100.5']] as const) {
      const response = await pastTheLimit(() => fetch(`${broker.url}${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': address } }));
      assert.equal(response.status, 429, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.match(await response.text(), /Too many requests/, path);
    }
  });

  test('counted per client address: another address behind the trusted proxy is not limited; unlimited routes never are', async () => {
    const exchange = (address: string) => fetch(`${broker.url}/oauth/token`, { method: 'POST', body: new URLSearchParams(EXCHANGE), headers: { 'x-forwarded-for': address } });
    await pastTheLimit(() => exchange('198.51.100.6'));
    assert.equal((await exchange('198.51.100.7')).status, 400, 'another agent behind the same proxy');
    for (let i = 0; i < limit.max + 2; i++) assert.equal((await fetch(`${broker.url}/healthz`, { headers: { 'x-forwarded-for': '198.51.100.6' } })).status, 200);
  });
});
