import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { DS, RO, exchangeToken, startSessionsEnv, type SessionsEnv } from '../integration/sessions-fixtures.ts';

/**
 * The session pages in a real browser (Chromium): alice signs in at the test IdP, picks a
 * role, starts a session, sees it listed with its refresh timeline, and ends it; bob, an
 * admin, revokes another of her sessions from the all-sessions page and reads the audit log.
 */
describe('sessions in a real browser (Chromium)', () => {
  let browser: Browser;
  let env: SessionsEnv;

  before(async () => {
    env = await startSessionsEnv({ admins: ['bob'] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await env?.close();
  });

  async function signIn(context: BrowserContext, username: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${env.url}/sessions`);
    // Not signed in: the broker sends the browser through the IdP and back.
    await page.waitForURL((url) => url.origin === env.idp.issuer);
    await page.fill('#username', username);
    await page.fill('#password', `${username}-password`);
    await page.click('#sign-in');
    await page.waitForURL(`${env.url}/sessions`);
    assert.equal(await page.locator('#current-user').textContent(), username);
    return page;
  }

  async function startSession(page: Page, roles: readonly string[]): Promise<{ id: string; credential: string }> {
    await page.getByRole('link', { name: 'Start a session' }).first().click();
    await page.waitForURL(`${env.url}/sessions/new`);
    for (const arn of [DS, RO]) await page.locator(`input[name="roles"][value="${arn}"]`).setChecked(roles.includes(arn));
    await page.selectOption('#token-ttl', '900');
    await page.click('#start-session');
    await page.waitForSelector('#session-started');
    return { id: (await page.locator('#session-id').textContent())!, credential: (await page.locator('#session-credential').textContent())! };
  }

  it('alice picks a role, starts a session, sees it listed with its refresh timeline, and ends it', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, 'alice');
      assert.equal(await page.locator('#no-sessions').count(), 1);

      const { id, credential } = await startSession(page, [DS]);
      assert.match(credential, new RegExp(`^rps_${id}\\.`));
      assert.equal(await page.title(), 'Session started · Roleport');
      const envText = (await page.locator('#session-env').textContent())!;
      assert.match(envText, /export AWS_ROLE_ARN=arn:aws:iam::111111111111:role\/DataScientist/);
      assert.match(envText, /export AWS_WEB_IDENTITY_TOKEN_FILE=".*\/token"/);
      assert.match((await page.locator('#agent-command').textContent())!, new RegExp(`ROLEPORT_SESSION_CREDENTIAL=${credential.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

      // Its agent takes two tokens; the session page then plots them.
      assert.equal((await exchangeToken(env.url, credential)).status, 200);
      assert.equal((await exchangeToken(env.url, credential)).status, 200);

      await page.goto(`${env.url}/sessions`);
      const row = page.locator(`#session-${id}`);
      assert.equal(await row.getAttribute('data-state'), 'active');
      assert.equal(await row.locator('.session-roles').textContent(), 'DataScientist');
      // Readable dates: relative, the exact time as the tooltip.
      assert.match((await row.locator('.session-last-token').textContent())!, /^(now|\d+ s ago)$/);
      assert.match((await row.locator('.session-last-token time').getAttribute('title'))!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      assert.match((await row.locator('.session-token-expires').textContent())!, /in 1[45] min/);

      await row.getByRole('link').first().click();
      await page.waitForURL(`${env.url}/sessions/${id}`);
      assert.equal(await page.locator('#refresh-timeline .tl-issue').count(), 2);
      assert.match((await page.locator('#timeline-summary').textContent())!, /^2 tokens issued between/);
      assert.equal(await page.locator('#refresh-timeline').getAttribute('role'), 'img');
      assert.ok(!(await page.content()).includes(credential), 'the credential is not shown again');

      // Ending asks first; then the page says so, and shows no token expiry for an ended session.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('#end-session');
      await page.waitForURL(`${env.url}/sessions/${id}?notice=session-ended`);
      assert.equal(await page.locator('#session-summary .state').textContent(), 'ended');
      assert.equal(await page.locator('#session-token-expires').count(), 0);
      assert.equal(await page.locator('#end-session').count(), 0);
      assert.equal((await exchangeToken(env.url, credential)).body['error'], 'invalid_grant');
    } finally {
      await context.close();
    }
  });

  it('bob, an admin, sees every session, revokes one of alice\'s, and finds it in the audit log', async () => {
    const aliceContext = await browser.newContext();
    const bobContext = await browser.newContext();
    try {
      const alicePage = await signIn(aliceContext, 'alice');
      const { id, credential } = await startSession(alicePage, [DS, RO]);
      assert.equal(await alicePage.getByRole('link', { name: 'All sessions' }).count(), 0, 'alice is no admin');

      const page = await signIn(bobContext, 'bob');
      await page.getByRole('link', { name: 'All sessions' }).click();
      await page.waitForURL(`${env.url}/admin/sessions`);
      const row = page.locator(`#session-${id}`);
      assert.equal(await row.locator('.session-user').textContent(), 'alice');
      assert.equal(await row.locator('.session-roles').textContent(), 'DataScientist, ReadOnly');
      page.once('dialog', (dialog) => void dialog.accept());
      await row.getByRole('button', { name: 'Revoke' }).click();
      await page.waitForURL(`${env.url}/admin/sessions?notice=session-revoked`);
      assert.equal(await page.locator(`#session-${id}`).getAttribute('data-state'), 'revoked');
      assert.equal(await page.locator(`#session-${id}`).getByRole('button', { name: 'Revoke' }).count(), 0);
      const refused = await exchangeToken(env.url, credential);
      assert.equal(refused.body['error'], 'invalid_grant');

      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.fill('#audit-session', id);
      await page.click('#audit-filter');
      await page.waitForURL((url) => url.pathname === '/admin/audit' && url.searchParams.get('session') === id);
      assert.deepEqual(await page.locator('#audit-events .audit-type').allTextContents(), ['session.revoked', 'session.started']);
      const download = page.waitForEvent('download');
      await page.click('#audit-export');
      const file = await (await download).path();
      const { readFile } = await import('node:fs/promises');
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; actor: string });
      assert.deepEqual(lines.map((l) => l.type), ['session.started', 'session.revoked']);
      assert.equal(lines[1]!.actor, 'bob');

      await alicePage.goto(`${env.url}/admin/audit`);
      assert.equal(await alicePage.locator('#error-title').count(), 1, 'alice gets an error page');
    } finally {
      await aliceContext.close();
      await bobContext.close();
    }
  });
});
