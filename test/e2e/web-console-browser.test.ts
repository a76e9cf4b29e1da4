import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { nextDevLine, startDev, stopDev, type DevProcess } from '../helpers/dev-process.ts';
import { assertAccessible, screenshot, screenshotFolder } from '../helpers/page-check.ts';
import { runCli } from '../helpers/run-cli.ts';

/**
 * The web console as a newcomer and an admin use it, in `roleport dev` and real Chromium:
 * alice (an admin in dev) signs in at the demo IdP, starts a session, and the commands the
 * page shows — pasted into a real shell — run the agent and get an assumed-role ARN from the
 * local STS with Debian's AWS CLI; every page, for an admin and a non-admin, passes axe-core
 * with no serious or critical violation and is saved as a screenshot; the demo survives a
 * restart on the same data directory; and a user bound to an IdP that moved is let in again
 * with `roleport users unbind`.
 */
const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const AWS_CLI = '/usr/bin/aws';
const DS = 'arn:aws:iam::111111111111:role/DataScientist';

describe('the web console in roleport dev (Chromium)', () => {
  let dir: string;
  let dataDir: string;
  let dev: DevProcess;
  let endpoints: Record<string, string>;
  let browser: Browser;
  let shots: string;
  /** alice's session, started from the page in the first test. */
  let sessionId: string;

  const startDevOn = async (): Promise<void> => {
    dev = startDev(['--port', '0', '--json', '--data-dir', dataDir]);
    endpoints = JSON.parse(await nextDevLine(dev)) as Record<string, string>;
  };

  before(async () => {
    if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} not found: install Debian's awscli (apt-get install -y awscli)`);
    dir = await mkdtemp(join(tmpdir(), 'roleport-web-console-'));
    dataDir = join(dir, 'data');
    await startDevOn();
    browser = await launchBrowser();
    shots = screenshotFolder('web-console');
  });
  after(async () => {
    await browser?.close();
    if (dev !== undefined) await stopDev(dev);
    await rm(dir, { recursive: true, force: true });
  });

  /** Signs in at the demo IdP through its login form; resolves on the broker's home page. */
  async function signIn(context: BrowserContext, username: string, shoot?: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${endpoints['web']}/`);
    await page.click('#sign-in');
    await page.waitForURL((url) => url.origin === endpoints['idp']);
    if (shoot !== undefined) {
      await assertAccessible(page, 'demo IdP sign-in');
      await screenshot(page, shots, `${shoot}-idp-sign-in`);
      await page.fill('#username', username);
      await page.fill('#password', 'wrong');
      await page.click('#sign-in');
      await page.waitForSelector('#login-error');
      assert.equal(await page.inputValue('#username'), username, 'the form keeps the username');
      await assertAccessible(page, 'demo IdP wrong password');
      await screenshot(page, shots, `${shoot}-idp-wrong-password`);
    }
    await page.fill('#username', username);
    await page.fill('#password', username);
    await page.click('#sign-in');
    await page.waitForURL(`${endpoints['web']}/`);
    assert.equal(await page.locator('#current-user').textContent(), username);
    return page;
  }

  /** Checks the page with axe-core and saves its screenshot. */
  async function check(page: Page, name: string): Promise<void> {
    await assertAccessible(page, name);
    await screenshot(page, shots, name);
  }

  it('alice, an admin, starts a session in the browser; the commands it shows get an assumed-role ARN in a real shell', async (t) => {
    t.diagnostic(`screenshots: ${shots}`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: endpoints['web']! });
    const home = join(dir, 'home');
    let agent: ChildProcess | undefined;
    try {
      const page = await signIn(context, 'alice', 'alice');
      assert.equal(await page.locator('#admin-badge').count(), 1, 'alice is an admin in roleport dev');
      await check(page, 'alice-home');
      await page.getByRole('link', { name: 'Start a session' }).first().click();
      await page.waitForURL(`${endpoints['web']}/sessions/new`);
      await check(page, 'alice-start-session');
      await page.locator(`input[name="roles"][value="${DS}"]`).setChecked(true);
      await page.locator('input[name="roles"]:not([value="' + DS + '"])').setChecked(false);
      await page.click('#start-session');
      await page.waitForSelector('#session-started');
      sessionId = (await page.locator('#session-id').textContent())!;
      await check(page, 'alice-session-started');

      const agentCommand = (await page.locator('#agent-command').textContent())!;
      const workload = (await page.locator('#workload-commands').textContent())!;
      // In dev the commands name the checkout's roleport and the local STS.
      assert.match(agentCommand, /^npx roleport agent /m);
      assert.match(agentCommand, new RegExp(`--sts-endpoint ${endpoints['sts']}`));
      assert.match(workload, new RegExp(`aws sts get-caller-identity --endpoint-url ${endpoints['sts']}`));
      // The copy button puts exactly the block's text on the clipboard.
      await page.click('button[data-copy="agent-command"]');
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), agentCommand);
      assert.equal(await page.locator('button[data-copy="agent-command"]').textContent(), 'Copied');

      // Pasted into a shell as a newcomer has it after `npm install`: the system PATH, the checkout as the working directory.
      const shellEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, npm_config_update_notifier: 'false' };
      // Its own process group, so that stopping it stops npx and the agent under the shell too.
      agent = spawn('bash', ['-c', agentCommand], { cwd: ROOT, env: shellEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let agentOutput = '';
      agent.stdout!.setEncoding('utf8').on('data', (chunk: string) => (agentOutput += chunk));
      agent.stderr!.setEncoding('utf8').on('data', (chunk: string) => (agentOutput += chunk));
      const envFile = join(home, '.roleport', 'sessions', sessionId, 'env');
      for (let waited = 0; !existsSync(envFile); waited += 100) {
        assert.ok(waited < 60_000 && agent.exitCode === null, `the agent wrote no env file: ${agentOutput}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const shell = spawn('bash', ['-c', workload], { cwd: home, env: shellEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      shell.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      shell.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => shell.once('exit', resolve));
      assert.equal(code, 0, `${stderr}\nagent: ${agentOutput}`);
      const identity = JSON.parse(stdout) as { Arn: string; Account: string };
      assert.match(identity.Arn, /^arn:aws:sts::111111111111:assumed-role\/DataScientist\/alice/);
      assert.equal(identity.Account, '111111111111');

      // The session's page now shows the agent's token on its timeline.
      await page.goto(`${endpoints['web']}/sessions/${sessionId}`);
      assert.ok((await page.locator('#refresh-timeline .tl-issue').count()) >= 1);
      await check(page, 'alice-session-detail');
    } finally {
      if (agent?.pid !== undefined && agent.exitCode === null) {
        const exited = new Promise((resolve) => agent!.once('exit', resolve));
        process.kill(-agent.pid, 'SIGTERM');
        await exited;
      }
      await context.close();
    }
  });

  it('every page, for an admin and for a non-admin, passes axe-core (no serious or critical violation)', async () => {
    const aliceContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const bobContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      // bob, no admin: his own pages only, and the admin pages answer 403 with him in the header.
      const bob = await signIn(bobContext, 'bob');
      assert.equal(await bob.locator('nav[aria-label="Main"] a', { hasText: 'Users' }).count(), 0, 'no admin pages in bob\'s navigation');
      await check(bob, 'bob-home');
      await bob.goto(`${endpoints['web']}/sessions/new`);
      await check(bob, 'bob-start-session');
      await bob.click('#start-session');
      await bob.waitForSelector('#session-started');
      const bobSession = (await bob.locator('#session-id').textContent())!;
      await check(bob, 'bob-session-started');
      await bob.goto(`${endpoints['web']}/sessions`);
      await check(bob, 'bob-sessions');
      await bob.goto(`${endpoints['web']}/sessions/${bobSession}`);
      await check(bob, 'bob-session-detail');
      const forbidden = await bob.goto(`${endpoints['web']}/admin/users`);
      assert.equal(forbidden?.status(), 403);
      assert.equal(await bob.locator('#current-user').textContent(), 'bob', 'the error page shows who is signed in');
      await check(bob, 'bob-admin-forbidden');
      for (const path of ['/admin/sessions', '/admin/integrations', '/admin/keys', '/admin/audit', '/admin/explain']) {
        assert.equal((await bob.goto(`${endpoints['web']}${path}`))?.status(), 403, path);
      }

      const alice = await signIn(aliceContext, 'alice');
      const visit = async (path: string, name: string): Promise<void> => {
        const response = await alice.goto(`${endpoints['web']}${path}`);
        assert.ok(response !== null && response.status() < 500, `${path}: ${response?.status()}`);
        await check(alice, name);
      };
      await visit('/sessions', 'alice-sessions');
      await visit('/admin/sessions', 'alice-all-sessions');
      await visit('/admin/sessions?state=active', 'alice-all-sessions-active');
      await visit('/admin/users', 'alice-users');
      await visit('/admin/users/bob', 'alice-user-bob');
      await visit('/admin/keys', 'alice-keys');
      await visit('/admin/explain', 'alice-explain');

      // A form refused by the server keeps what was typed and names the field by its label.
      await visit('/admin/integrations/new', 'alice-integration-new');
      await alice.fill('#name', 'Reports <b>daily</b>');
      await alice.fill('#role-arn', 'arn:aws:iam::12345:role/Nope');
      await alice.click('#save-integration');
      await alice.waitForSelector('#form-error');
      assert.equal(await alice.inputValue('#name'), 'Reports <b>daily</b>');
      assert.equal(await alice.inputValue('#role-arn'), 'arn:aws:iam::12345:role/Nope');
      assert.match((await alice.locator('#role-arn-error').textContent())!, /^Role ARN: "arn:aws:iam::12345:role\/Nope" is not a valid IAM role ARN/);
      assert.equal(await alice.getAttribute('#role-arn', 'aria-invalid'), 'true');
      await check(alice, 'alice-integration-refused');
      await alice.fill('#role-arn', DS);
      await alice.click('#save-integration');
      await alice.waitForSelector('#notice');
      assert.equal(await alice.locator('#notice').textContent(), 'Integration created.');
      await check(alice, 'alice-integration-edit');

      // The integration's access list: granted on its page; content associated, then withdrawn, shows as having no access.
      const integrationGuid = new URL(alice.url()).pathname.split('/').pop()!;
      const cli = async (args: string[]): Promise<unknown> => {
        const result = await runCli([...args, '--json'], { ROLEPORT_DATA_DIR: dataDir });
        assert.equal(result.code, 0, result.stderr);
        return JSON.parse(result.stdout);
      };
      const dashboard = ((await cli(['content', 'create', '--name', 'sales-dashboard'])) as { guid: string }).guid;
      const report = ((await cli(['content', 'create', '--name', 'old-report'])) as { guid: string }).guid;
      for (const content of [dashboard, report]) {
        await alice.reload();
        await alice.selectOption('#grant-content', content);
        await alice.click('#grant-access');
        await alice.waitForURL((url) => url.searchParams.get('notice') === 'access-granted');
        assert.equal(await alice.locator(`tr.access-entry[data-guid="${content}"]`).count(), 1);
      }
      assert.equal(await alice.locator('#nothing-to-grant').count(), 1, 'all content is on the list');
      for (const content of [dashboard, report]) await cli(['content', 'integrations', content, '--set', integrationGuid]);
      await alice.reload();
      await check(alice, 'alice-integration-access');
      alice.once('dialog', (dialog) => void dialog.accept());
      await alice.click(`#withdraw-${report}`);
      await alice.waitForURL((url) => url.searchParams.get('notice') === 'access-withdrawn');
      assert.equal(await alice.locator('#notice').textContent(), 'Access withdrawn: the content gets no more credentials through this integration.');
      assert.deepEqual(((await cli(['integrations', 'access', integrationGuid])) as Array<{ content_guid: string }>).map((entry) => entry.content_guid), [dashboard], 'the CLI reads the same list');
      await check(alice, 'alice-integration-access-withdrawn');
      await visit('/admin/integrations', 'alice-integrations');
      const usedBy = alice.locator(`tr[data-guid="${integrationGuid}"] .used-by`);
      assert.equal(await usedBy.locator(`.not-granted[data-guid="${report}"]`).count(), 1, 'old-report is marked as having no access');
      assert.equal(await usedBy.locator('.not-granted').count(), 1, 'sales-dashboard is not');

      await visit('/admin/audit', 'alice-audit');
      await visit(`/admin/audit?session=${sessionId}`, 'alice-audit-session');
      await visit('/sessions/ses_doesnotexist0', 'alice-not-found');
      assert.equal(await alice.locator('#current-user').textContent(), 'alice', 'the 404 page shows who is signed in');
      await visit('/cli/login?redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&state=aaaaaaaaaaaaaaaaaaaaaa&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&user_code=BCDF-GHJK&device=laptop', 'alice-cli-login');
      await visit('/cli/login/done?outcome=signed-in', 'alice-cli-login-done');

      // The page a browser without JavaScript gets before a destructive action (a plain submit skips the script's dialog).
      await alice.goto(`${endpoints['web']}/admin/users/bob`);
      await alice.evaluate("document.getElementById('delete-user').closest('form').submit()");
      await alice.waitForSelector('#confirm-question');
      await check(alice, 'alice-confirm-delete-user');
      await alice.click('#confirm-cancel');
      await alice.waitForURL(`${endpoints['web']}/admin/users`);
      assert.equal(await alice.locator('tr.user[data-username="bob"]').count(), 1, 'cancelled: bob is still there');

      // Destructive actions ask first (the script's dialog), then say what happened, on the page they came from.
      await alice.goto(`${endpoints['web']}/admin/sessions?user=bob&state=active`);
      alice.once('dialog', (dialog) => void dialog.dismiss());
      await alice.click(`#revoke-${bobSession}`);
      assert.equal(await alice.locator(`#session-${bobSession}`).getAttribute('data-state'), 'active', 'dismissed: nothing happens');
      alice.once('dialog', (dialog) => void dialog.accept());
      await alice.click(`#revoke-${bobSession}`);
      await alice.waitForSelector('#notice');
      assert.equal(new URL(alice.url()).search, '?user=bob&state=active&notice=session-revoked', 'the filter is kept');
      assert.equal(await alice.locator('#notice').textContent(), 'Session revoked. Its agent gets no new token.');
      await check(alice, 'alice-all-sessions-revoked');
    } finally {
      await aliceContext.close();
      await bobContext.close();
    }
  });

  // axe-core runs in the page, so these pages are checked in the test above (with JavaScript) and only photographed here.
  it('without JavaScript, a destructive action asks on a page of its own', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    try {
      const alice = await signIn(context, 'alice');
      await alice.goto(`${endpoints['web']}/sessions/${sessionId}`);
      await alice.click('#end-session');
      await alice.waitForSelector('#confirm-question');
      await screenshot(alice, shots, 'nojs-confirm-end-session');
      await alice.click('#confirm-cancel');
      await alice.waitForURL(`${endpoints['web']}/sessions/${sessionId}`);
      assert.equal(await alice.locator('#session-summary .state').textContent(), 'active', 'cancelled: still active');
      await alice.click('#end-session');
      await alice.click('#confirm-yes');
      await alice.waitForSelector('#notice');
      assert.equal(await alice.locator('#session-summary .state').textContent(), 'ended');
      assert.equal(await alice.locator('#session-token-expires').count(), 0, 'an ended session has no "expires in"');
      await screenshot(alice, shots, 'nojs-session-ended');
      await alice.click('#sign-out');
      await alice.waitForSelector('#signed-out');
      await screenshot(alice, shots, 'nojs-signed-out');
    } finally {
      await context.close();
    }
  });

  it('roleport dev restarted on the same data directory: the demo IdP keeps its address and alice signs in again', async () => {
    const before = { ...endpoints };
    assert.equal((await stopDev(dev)).code, 0);
    await startDevOn();
    assert.equal(endpoints['idp'], before['idp'], 'the demo IdP kept its issuer');
    const context = await browser.newContext();
    try {
      const alice = await signIn(context, 'alice');
      await alice.goto(`${endpoints['web']}/sessions`);
      assert.equal(await alice.locator(`#session-${sessionId}`).count(), 1, 'her session from before the restart is listed');
    } finally {
      await context.close();
    }
  });

  it('an IdP whose issuer changed: alice is refused until `roleport users unbind alice`', async () => {
    assert.equal((await stopDev(dev)).code, 0);
    // Forgetting the recorded address stands for an IdP that moved: the next start picks another port.
    await unlink(join(dataDir, 'demo-idp.json'));
    const before = endpoints['idp'];
    await startDevOn();
    assert.notEqual(endpoints['idp'], before);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${endpoints['web']}/login`);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice');
      await page.click('#sign-in');
      await page.waitForSelector('#error-title');
      assert.match((await page.locator('#error-message').textContent())!, /The username alice belongs to another identity at the IdP/);
      await check(page, 'idp-moved-refused');

      const unbound = await runCli(['users', 'unbind', 'alice', '--json'], { ROLEPORT_DATA_DIR: dataDir });
      assert.equal(unbound.code, 0, unbound.stderr);
      assert.deepEqual((JSON.parse(unbound.stdout) as { unbound: { issuer: string } }).unbound.issuer, before);

      // A fresh browser: this one still has its demo IdP sign-in, which would skip the login form.
      const fresh = await browser.newContext();
      const alice = await signIn(fresh, 'alice');
      await alice.goto(`${endpoints['web']}/admin/users/alice`);
      assert.match((await alice.locator('#user-binding').textContent())!, new RegExp(`at ${endpoints['idp']!.replace(/[.]/g, '\\.')}$`));
      await fresh.close();
    } finally {
      await context.close();
    }
  });
});
