import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { CLIENT_ID, CLIENT_SECRET, freePort, startSsoBroker, type SsoBroker } from '../integration/sso-fixtures.ts';

describe('sign-in in a real browser (Chromium) through the test IdP', () => {
  let browser: Browser;
  let idp: TestIdp;
  let broker: SsoBroker;

  before(async () => {
    const port = await freePort();
    idp = await startTestIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${port}/auth/callback`] }] });
    broker = await startSsoBroker({ idpIssuer: idp.issuer, port });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await broker?.close();
    await idp?.close();
  });

  it('alice signs in, sees her two roles from the IdP claim, and signs out', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${broker.url}/`);
      assert.equal(await page.title(), 'Welcome · Roleport');
      await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();

      // The IdP's own login form.
      await page.waitForURL((url) => url.origin === idp.issuer);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-password');
      await page.click('#sign-in');

      // Back at the broker, signed in.
      await page.waitForURL(`${broker.url}/`);
      assert.equal(await page.locator('#current-user').textContent(), 'alice');
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Your AWS roles');
      const rows = page.locator('#roles tbody tr');
      assert.equal(await rows.count(), 2);
      assert.deepEqual(await page.locator('#roles .role-arn').allTextContents(), [
        'arn:aws:iam::111111111111:role/DataScientist',
        'arn:aws:iam::222222222222:role/ReadOnly',
      ]);
      for (const source of await page.locator('#roles .role-source').allTextContents()) assert.match(source, /identity provider \(aws_role_arn claim\)/);
      assert.deepEqual(await page.getByRole('rowheader').allTextContents(), ['DataScientist', 'ReadOnly']);

      const cookies = await context.cookies(broker.url);
      const session = cookies.find((cookie) => cookie.name === 'roleport_session');
      assert.ok(session, 'a session cookie is set');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');
      assert.ok(!cookies.some((cookie) => cookie.name === 'roleport_login'), 'the login transaction cookie is gone');
      assert.equal(await page.evaluate('document.cookie'), '', 'no cookie is readable from page scripts');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${broker.url}/?signed_out=1`);
      assert.equal(await page.locator('#signed-out').textContent(), 'You are signed out.');
      assert.equal(await page.locator('#current-user').count(), 0);
      assert.ok(!(await context.cookies(broker.url)).some((cookie) => cookie.name === 'roleport_session'));

      // The browser's back button does not bring the session back.
      await page.goto(`${broker.url}/`);
      assert.equal(await page.locator('#current-user').count(), 0);
    } finally {
      await context.close();
    }
  });

  it('shows a clear page when the IdP is down at sign-in', async () => {
    const fresh = await startSsoBroker({ idpIssuer: idp.issuer, port: await freePort() });
    const context = await browser.newContext();
    try {
      idp.setOutage('down');
      const page = await context.newPage();
      const response = await page.goto(`${fresh.url}/login`);
      assert.equal(response?.status(), 502);
      assert.equal(await page.locator('#error-title').textContent(), 'The identity provider is unreachable');
      assert.equal(await page.getByRole('alert').count(), 1);
    } finally {
      idp.setOutage('none');
      await context.close();
      await fresh.close();
    }
  });
});
