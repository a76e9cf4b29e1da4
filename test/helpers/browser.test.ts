import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startTestIdp, type TestIdp } from './test-idp.ts';

describe('real Chromium against the test IdP login form', () => {
  let browser: Browser;
  let idp: TestIdp;
  let callbackServer: Server;
  let redirectUri: string;

  before(async () => {
    callbackServer = createServer((_req, res) => res.end('callback reached'));
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
    idp = await startTestIdp({ clients: [{ client_id: 'roleport', client_secret: 'secret', redirect_uris: [redirectUri] }] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await idp?.close();
    callbackServer?.closeAllConnections();
    await new Promise((resolve) => callbackServer?.close(resolve));
  });

  it('signs alice in by filling #username and #password and clicking #sign-in', async () => {
    const config = await client.discovery(new URL(idp.issuer), 'roleport', undefined, client.ClientSecretBasic('secret'), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid offline_access',
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });

    const page = await browser.newPage();
    try {
      await page.goto(authorizationUrl.href);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-password');
      await Promise.all([page.waitForURL((url) => url.href.startsWith(redirectUri)), page.click('#sign-in')]);
      const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
        expectedState: state,
        pkceCodeVerifier: verifier,
      });
      assert.equal(tokens.claims()?.['aws_role_session_name'], 'alice');
      assert.ok(tokens.refresh_token);
    } finally {
      await page.close();
    }
  });

  it('shows an error on the form for a wrong password', async () => {
    const config = await client.discovery(new URL(idp.issuer), 'roleport', undefined, client.ClientSecretBasic('secret'), {
      execute: [client.allowInsecureRequests],
    });
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const page = await browser.newPage();
    try {
      await page.goto(authorizationUrl.href);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'nope');
      await page.click('#sign-in');
      assert.match((await page.textContent('#login-error')) ?? '', /Invalid username or password/);
    } finally {
      await page.close();
    }
  });
});
