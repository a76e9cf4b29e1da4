/**
 * Sign-out is a CSRF-protected post of the signed-in browser (Chromium): another site's
 * auto-submitting form posts to /logout, and the viewer is still signed in with the same cookie.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { signInInBrowser } from './browser-sign-in.ts';
import { startSessionsEnv, type SessionsEnv } from '../integration/sessions-fixtures.ts';

describe('sign-out by a cross-site post (Chromium)', () => {
  let env: SessionsEnv;
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;

  before(async () => {
    env = await startSessionsEnv();
    browser = await launchBrowser();
    attacker = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(`<!doctype html><form id="f" method="post" action="${env.url}/logout"><input type="hidden" name="csrf" value="guessed"></form><script>document.getElementById('f').submit();</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    // Another site: the attacker's page on localhost, the broker on 127.0.0.1.
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await browser?.close();
    await env?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  });

  test('the viewer stays signed in, with the same broker cookie', async () => {
    const context = await browser.newContext();
    try {
      const page = await signInInBrowser(context, env, 'alice');
      const before = (await context.cookies(env.url)).find((cookie) => cookie.name === 'roleport_session');
      assert.ok(before);

      await page.goto(attackerUrl);
      await page.waitForURL((url) => url.origin === env.url);
      assert.equal(new URL(page.url()).pathname, '/', 'sent to the home page, not signed out');
      assert.equal(await page.locator('#current-user').textContent(), 'alice');
      assert.deepEqual((await context.cookies(env.url)).find((cookie) => cookie.name === 'roleport_session'), before);
    } finally {
      await context.close();
    }
  });
});
