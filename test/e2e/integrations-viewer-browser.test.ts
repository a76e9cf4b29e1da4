import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { freePort } from '../helpers/ports.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import {
  ACCOUNT,
  AWS_CREDENTIALS_TYPE,
  EXCHANGE_GRANT,
  INTEGRATIONS_PATH,
  USER_TOKEN_TYPE,
  callerIdentity,
  decodeAccessToken,
  startIntegrationsBroker,
  type IntegrationsBroker,
} from '../integration/integrations-fixtures.ts';

const VIEWER_ROLE = `arn:aws:iam::${ACCOUNT}:role/ViewerReader`;
const SSO_SECRET = 'roleport-sso-secret-for-integrations';
const PKCE_CLIENT = { id: 'content-viewer', secret: 'content-viewer-secret-4b7e' };
const PLAIN_CLIENT = { id: 'content-viewer-nopkce', secret: 'content-viewer-secret-91aa' };

/** Stands in for a published dashboard: echoes what the broker forwarded. */
async function startContentServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><title>Dashboard</title>
<pre id="user-token">${escape(String(request.headers['posit-connect-user-session-token'] ?? ''))}</pre>
<pre id="path">${escape(request.url ?? '')}</pre>
<pre id="cookie">${escape(request.headers.cookie ?? '')}</pre>
<pre id="prefix">${escape(String(request.headers['x-forwarded-prefix'] ?? ''))}</pre>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('Viewer integrations in a real browser (Chromium) against the test IdP', () => {
  let idp: TestIdp;
  let broker: IntegrationsBroker;
  let browser: Browser;
  let content: { url: string; server: Server };
  let endpoints: { authorization_endpoint: string; token_endpoint: string };
  let pkceIntegration: string;
  let plainIntegration: string;
  let pkceContent: string;
  let plainContent: string;

  before(async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/__oauth__/integrations/callback`;
    idp = await startTestIdp({
      clients: [
        { client_id: 'roleport', client_secret: SSO_SECRET, redirect_uris: [`http://127.0.0.1:${port}/auth/callback`] },
        { client_id: PKCE_CLIENT.id, client_secret: PKCE_CLIENT.secret, redirect_uris: [callback] },
        { client_id: PLAIN_CLIENT.id, client_secret: PLAIN_CLIENT.secret, redirect_uris: [callback], requirePkce: false },
      ],
    });
    broker = await startIntegrationsBroker({
      port,
      contentOrigin: true,
      config: { sso: { enabled: true, issuer: idp.issuer, clientId: 'roleport', clientSecret: SSO_SECRET }, admins: { users: ['bob'] } },
    });
    content = await startContentServer();
    browser = await launchBrowser();
    endpoints = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as typeof endpoints;

    // AWS (here the local STS) trusts the IdP for the integrations' client IDs.
    const idpPrefix = idp.issuer.replace(/^http:\/\//, '');
    await broker.app.services.sts.registry.addProvider({ url: idp.issuer, clientIds: [PKCE_CLIENT.id, PLAIN_CLIENT.id] });
    await broker.addRole(VIEWER_ROLE, {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${idpPrefix}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${idpPrefix}:aud`]: [PKCE_CLIENT.id, PLAIN_CLIENT.id] } },
        },
      ],
    });

    const viewer = (name: string, client: { id: string; secret: string }, extra: Record<string, unknown> = {}) => ({
      template: 'aws',
      name,
      description: `${name} as the viewer`,
      config: {
        auth_type: 'Viewer',
        auth_mode: 'Confidential',
        client_id: client.id,
        client_secret: client.secret,
        authorization_uri: endpoints.authorization_endpoint,
        token_uri: endpoints.token_endpoint,
        token_endpoint_auth_method: 'client_secret_basic',
        scopes: 'openid profile offline_access',
        role_arn: VIEWER_ROLE,
        sts_region: 'us-east-1',
        session_duration: 3600,
        ...extra,
      },
    });
    pkceIntegration = ((await broker.api('POST', INTEGRATIONS_PATH, { body: viewer('viewer-pkce', PKCE_CLIENT) })).body as { guid: string }).guid;
    plainIntegration = ((await broker.api('POST', INTEGRATIONS_PATH, { body: viewer('viewer-plain', PLAIN_CLIENT, { use_pkce: false }) })).body as { guid: string }).guid;
    const register = async (name: string, integration: string): Promise<string> => {
      const created = await broker.api('POST', '/__api__/v1/content', { key: broker.publisherKey, body: { name, title: `${name} dashboard`, upstream_url: content.url } });
      const guid = (created.body as { guid: string }).guid;
      await broker.grant(integration, guid);
      await broker.api('PUT', `/__api__/v1/content/${guid}/oauth/integrations/associations`, { key: broker.publisherKey, body: [{ oauth_integration_guid: integration }] });
      return guid;
    };
    pkceContent = await register('sales', pkceIntegration);
    plainContent = await register('costs', plainIntegration);
  });

  after(async () => {
    await browser?.close();
    await broker?.close();
    await idp?.close();
    await new Promise<void>((resolve) => (content?.server ? content.server.close(() => resolve()) : resolve()));
  });

  /** Signs in at the IdP's form if it asks; otherwise the IdP's session carries on by itself. */
  async function passIdp(page: Page, username: string, back: (url: URL) => boolean): Promise<void> {
    await page.waitForURL((url) => url.origin === idp.issuer || back(url));
    if (new URL(page.url()).origin === idp.issuer && (await page.locator('#username').count()) > 0) {
      await page.fill('#username', username);
      await page.fill('#password', `${username}-password`);
      await page.click('#sign-in');
    }
    await page.waitForURL(back);
  }

  async function exchangeAsViewer(userToken: string) {
    const response = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: userToken, subject_token_type: USER_TOKEN_TYPE, requested_token_type: AWS_CREDENTIALS_TYPE });
    assert.equal(response.status, 200, response.text);
    return decodeAccessToken((response.body as { access_token: string }).access_token);
  }

  test('with PKCE: sign-in, consent, the IdP, and the content gets the viewer\'s user session token; the exchange gives credentials for alice', async () => {
    const context = await browser.newContext();
    const authorizationRequests: URL[] = [];
    try {
      const page = await context.newPage();
      page.on('request', (request) => {
        if (request.url().startsWith(endpoints.authorization_endpoint)) authorizationRequests.push(new URL(request.url()));
      });
      const target = `${broker.contentUrl}/content/${pkceContent}/dashboard?tab=1`;
      await page.goto(target);
      // Not signed in at the broker: its own sign-in first.
      await passIdp(page, 'alice', (url) => url.pathname === '/__oauth__/integrations/consent');
      assert.equal(await page.locator('#content-name').textContent(), 'sales dashboard');
      assert.equal(await page.locator('#pending-integrations li').count(), 1);

      await page.click(`#authorize-${pkceIntegration}`);
      await passIdp(page, 'alice', (url) => url.href === target);
      const userToken = (await page.locator('#user-token').textContent()) ?? '';
      assert.match(userToken, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.equal(await page.locator('#path').textContent(), '/dashboard?tab=1');
      assert.equal(await page.locator('#prefix').textContent(), `/content/${pkceContent}`);
      assert.ok(!((await page.locator('#cookie').textContent()) ?? '').includes('roleport_'), 'Roleport\'s cookies stay with Roleport');

      const integrationRequest = authorizationRequests.find((url) => url.searchParams.get('client_id') === PKCE_CLIENT.id);
      assert.ok(integrationRequest, 'the viewer was sent to the IdP for the integration');
      assert.equal(integrationRequest.searchParams.get('code_challenge_method'), 'S256');
      assert.match(integrationRequest.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
      assert.equal(integrationRequest.searchParams.get('redirect_uri'), `${broker.url}/__oauth__/integrations/callback`);

      const grant = await broker.app.services.repositories.viewerGrants.get('alice', pkceIntegration);
      assert.ok(grant?.refresh_token_sealed, 'the refresh token is kept');
      const credentials = await exchangeAsViewer(userToken);
      const identity = await callerIdentity(broker.stsUrl, credentials);
      assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ViewerReader/alice`);

      // Authorized once: the next visit goes straight to the content.
      await page.goto(`${broker.contentUrl}/content/${pkceContent}/`);
      assert.equal(await page.locator('#path').textContent(), '/');

      // The viewer's ID token near its end: the next exchange refreshes it at the IdP (rotating the refresh token).
      await broker.app.services.repositories.viewerGrants.put({ ...grant!, id_token_expires_at: Date.now() + 1000 });
      await broker.api('PATCH', `${INTEGRATIONS_PATH}/${pkceIntegration}`, { body: { description: 'changed, so cached credentials go' } });
      const refreshed = await exchangeAsViewer(userToken);
      assert.notEqual(refreshed.accessKeyId, credentials.accessKeyId);
      assert.equal((await callerIdentity(broker.stsUrl, refreshed)).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ViewerReader/alice`);
      const after = await broker.app.services.repositories.viewerGrants.get('alice', pkceIntegration);
      assert.equal(after!.generation, grant!.generation + 1);
      assert.notEqual(after!.refresh_token_sealed, grant!.refresh_token_sealed);
    } finally {
      await context.close();
    }
  });

  test('with use_pkce false: no code challenge is sent, and the flow and the exchange still work', async () => {
    const context = await browser.newContext();
    const authorizationRequests: URL[] = [];
    try {
      const page = await context.newPage();
      page.on('request', (request) => {
        if (request.url().startsWith(endpoints.authorization_endpoint)) authorizationRequests.push(new URL(request.url()));
      });
      const target = `${broker.contentUrl}/content/${plainContent}/`;
      await page.goto(target);
      await passIdp(page, 'alice', (url) => url.pathname === '/__oauth__/integrations/consent');
      await page.click(`#authorize-${plainIntegration}`);
      await passIdp(page, 'alice', (url) => url.href === target);
      const integrationRequest = authorizationRequests.find((url) => url.searchParams.get('client_id') === PLAIN_CLIENT.id);
      assert.ok(integrationRequest);
      assert.equal(integrationRequest.searchParams.has('code_challenge'), false);
      assert.equal(integrationRequest.searchParams.has('code_challenge_method'), false);
      assert.ok(integrationRequest.searchParams.get('state'));
      assert.ok(integrationRequest.searchParams.get('nonce'));

      const userToken = (await page.locator('#user-token').textContent()) ?? '';
      const credentials = await exchangeAsViewer(userToken);
      assert.equal((await callerIdentity(broker.stsUrl, credentials)).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ViewerReader/alice`);
    } finally {
      await context.close();
    }
  });

  test('a viewer who has not authorized the integration gets no credentials; the callback refuses a forged state', async () => {
    const userToken = (await broker.app.services.integrations.issueUserSessionToken('carol', pkceContent)).token;
    const response = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: userToken, subject_token_type: USER_TOKEN_TYPE });
    assert.equal(response.status, 400);
    assert.equal((response.body as { error: string }).error, 'invalid_grant');
    assert.match((response.body as { error_description: string }).error_description, /carol has not authorized integration viewer-pkce/);

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${broker.contentUrl}/content/${pkceContent}/`);
      await passIdp(page, 'carol', (url) => url.pathname === '/__oauth__/integrations/consent');
      const forged = await page.goto(`${broker.url}/__oauth__/integrations/callback?code=abc&state=forged`);
      assert.equal(forged?.status(), 400);
      assert.match(await page.locator('main').textContent() ?? '', /not started in this browser/);
      assert.equal(await broker.app.services.repositories.viewerGrants.get('carol', pkceIntegration), undefined);
    } finally {
      await context.close();
    }
  });

  test('admin pages: bob creates, edits and deletes an integration; the secret is never shown; alice may not', async () => {
    const context = await browser.newContext();
    const secret = 'admin-typed-secret-7731';
    try {
      const page = await context.newPage();
      await page.goto(`${broker.url}/admin/integrations`);
      await passIdp(page, 'bob', (url) => url.pathname === '/admin/integrations');
      assert.deepEqual(await page.locator('#integrations tbody tr th a').allTextContents(), ['viewer-pkce', 'viewer-plain']);
      assert.match((await page.locator(`tr[data-guid="${pkceIntegration}"] .used-by`).textContent()) ?? '', /sales/);
      assert.equal(await page.locator('#callback-url').textContent(), `${broker.url}/__oauth__/integrations/callback`);

      await page.goto(`${broker.url}/admin/integrations/new`);
      await page.fill('#name', 'admin-made');
      await page.selectOption('#auth-type', 'Viewer');
      await page.fill('#role-arn', VIEWER_ROLE);
      await page.fill('#client-id', PKCE_CLIENT.id);
      await page.fill('#client-secret', secret);
      await page.fill('#authorization-uri', endpoints.authorization_endpoint);
      await page.fill('#token-uri', endpoints.token_endpoint);
      await page.click('#save-integration');
      await page.waitForURL((url) => url.pathname.startsWith('/admin/integrations/') && url.searchParams.get('notice') === 'integration-created');
      assert.equal(await page.locator('#notice').textContent(), 'Integration created.');
      const guid = (await page.locator('#integration-guid').textContent())!;
      assert.equal(await page.locator('#client-secret').inputValue(), '', 'the secret field is write-only');
      assert.match((await page.locator('#client-secret-state').textContent()) ?? '', /A secret is stored/);
      assert.ok(!(await page.content()).includes(secret));

      // A bad edit (past the browser's own check) is refused with the field named, and nothing changes.
      await page.locator('#integration-form').evaluate((form) => ((form as { noValidate: boolean }).noValidate = true));
      await page.fill('#session-duration', '60');
      await page.click('#save-integration');
      // Named by its label, beside the field, which keeps what was typed.
      assert.match((await page.locator('#session-duration-error').textContent()) ?? '', /^Session duration: must be a whole number of seconds between 900 and 43200/);
      assert.match((await page.locator('#form-error').textContent()) ?? '', /Session duration: must be a whole number/);
      assert.equal(await page.locator('#session-duration').inputValue(), '60');
      assert.equal((await broker.app.services.integrations.integrations.get(guid)).config.sessionDuration, 3600);

      // An edit that leaves the secret empty keeps it.
      await page.fill('#session-duration', '1800');
      await page.fill('#description', 'edited in the browser');
      await page.click('#save-integration');
      await page.waitForURL(`${broker.url}/admin/integrations?notice=integration-saved`);
      const edited = await broker.app.services.integrations.integrations.get(guid);
      assert.equal(edited.config.sessionDuration, 1800);
      assert.equal(edited.description, 'edited in the browser');
      assert.equal(edited.hasClientSecret, true);

      await page.goto(`${broker.url}/admin/integrations/${guid}`);
      // Deleting asks first.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('#delete-integration');
      await page.waitForURL(`${broker.url}/admin/integrations?notice=integration-deleted`);
      assert.equal(await page.locator('#notice').textContent(), 'Integration deleted.');
      assert.equal(await page.locator(`tr[data-guid="${guid}"]`).count(), 0);
    } finally {
      await context.close();
    }

    const aliceContext = await browser.newContext();
    try {
      const page = await aliceContext.newPage();
      await page.goto(`${broker.url}/admin/integrations`);
      await passIdp(page, 'alice', (url) => url.pathname === '/admin/integrations');
      assert.match((await page.locator('main').textContent()) ?? '', /This page is for admins/);
    } finally {
      await aliceContext.close();
    }
  });
});
