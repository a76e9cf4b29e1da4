/**
 * The CLI's browser sign-in asks the user (Chromium, the test IdP, the real `roleport login`):
 * a page that sends a signed-in browser to `/cli/login?redirect_uri=<its listener>` gets
 * nothing — not by navigating there, not by posting the confirmation itself — and the real
 * CLI's code reaches it only after the user compares the code and clicks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { ROLEPORT_BIN } from '../helpers/run-cli.ts';
import { startSessionsEnv, type SessionsEnv } from '../integration/sessions-fixtures.ts';
import { signInInBrowser } from './browser-sign-in.ts';
import { eventually } from './sessions-agent-fixtures.ts';

/** A local listener the attacker controls, waiting for a code. */
interface Listener {
  url: string;
  server: Server;
  requests: string[];
}

async function startListener(host: string, handler?: (path: string) => string): Promise<Listener> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(handler?.(request.url ?? '') ?? 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, server, requests };
}

describe('CLI sign-in consent (Chromium)', () => {
  let env: SessionsEnv;
  let browser: Browser;
  let thief: Listener;
  let attackerSite: Listener;
  let home: string;
  let forgedLogin: string;

  before(async () => {
    env = await startSessionsEnv();
    browser = await launchBrowser();
    home = mkdtempSync(join(tmpdir(), 'roleport-cli-consent-'));
    thief = await startListener('127.0.0.1');
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const fields = { redirect_uri: `${thief.url}/callback`, state: 'stolen', code_challenge: challenge, user_code: 'BCDF-GHJK', device: 'attacker' };
    forgedLogin = `${env.url}/cli/login?${new URLSearchParams(fields)}`;
    // Another site (localhost, not the broker's 127.0.0.1) with the two pages of the attack.
    attackerSite = await startListener('127.0.0.1', (path) => {
      if (path === '/navigate') return `<!doctype html><script>location.href = ${JSON.stringify(forgedLogin)};</script>`;
      const inputs = Object.entries({ ...fields, decision: 'allow' }).map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`).join('');
      return `<!doctype html><form id="f" method="post" action="${env.url}/cli/login">${inputs}</form><script>document.getElementById('f').submit();</script>`;
    });
  });
  after(async () => {
    await browser?.close();
    await env?.close();
    for (const listener of [thief, attackerSite]) await new Promise<void>((resolve) => (listener ? listener.server.close(() => resolve()) : resolve()));
    rmSync(home, { recursive: true, force: true });
  });

  const attackerUrl = (path: string): string => `${attackerSite.url.replace('127.0.0.1', 'localhost')}${path}`;

  test('a page that sends a signed-in browser to /cli/login gets no code: the browser stops at the consent page', async () => {
    const context = await browser.newContext();
    try {
      const page = await signInInBrowser(context, env, 'alice');
      await page.goto(attackerUrl('/navigate'));
      await page.waitForURL((url) => url.pathname === '/cli/login');
      assert.equal(await page.locator('#user-code').textContent(), 'BCDF-GHJK');
      assert.equal(await page.locator('#cli-listener').textContent(), new URL(thief.url).host);
      assert.equal(await page.locator('#device-name').textContent(), 'attacker');
      // Time for any redirect the page might still make.
      await page.waitForTimeout(500);
      assert.deepEqual(thief.requests, [], 'no code reached the listener');
    } finally {
      await context.close();
    }
  });

  test('a page that posts the confirmation itself gets no code: no CSRF token, no cookie on a cross-site post', async () => {
    const context = await browser.newContext();
    try {
      const page = await signInInBrowser(context, env, 'alice');
      await page.goto(attackerUrl('/post'));
      await page.waitForURL((url) => url.origin === env.url && url.pathname === '/');
      await page.waitForTimeout(500);
      assert.deepEqual(thief.requests, [], 'no code reached the listener');
    } finally {
      await context.close();
    }
  });

  test('roleport login: the page shows the code the CLI printed, and only the user\'s click signs the CLI in', async () => {
    const context = await browser.newContext();
    const login = spawnLogin();
    try {
      const page = await signInInBrowser(context, env, 'alice');
      const { url, userCode } = await login.prompt;
      await page.goto(url);
      assert.equal(await page.locator('#user-code').textContent(), userCode, 'the code on the page is the one in the terminal');
      assert.match((await page.locator('#cli-listener').textContent()) ?? '', /^127\.0\.0\.1:\d+$/);
      await page.waitForTimeout(300);
      assert.equal(login.exitCode(), null, 'nothing happened before the click');
      await page.click('#cli-login-allow');
      await page.waitForSelector('text=Signed in as alice');
      const result = await login.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as { username: string }).username, 'alice');
    } finally {
      login.kill();
      await context.close();
    }
  });

  test('Cancel on the consent page ends roleport login with the refusal', async () => {
    const context = await browser.newContext();
    const login = spawnLogin();
    try {
      const page = await signInInBrowser(context, env, 'bob');
      await page.goto((await login.prompt).url);
      await page.click('#cli-login-deny');
      const result = await login.exited;
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /the sign-in was refused in the browser/);
      assert.equal(result.stdout, '', 'no credentials were written');
    } finally {
      login.kill();
      await context.close();
    }
  });

  function spawnLogin() {
    const child = spawn(process.execPath, [ROLEPORT_BIN, 'login', '--url', env.url, '--no-browser', '--json', '--timeout', '60'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ROLEPORT_CREDENTIALS_FILE: join(home, `credentials-${randomBytes(4).toString('hex')}.json`) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
    const prompt = eventually('roleport login to print the URL and the code', () => {
      const url = /(http:\/\/\S+\/cli\/login\?\S+)/.exec(stderr)?.[1];
      const userCode = /must show the code ([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1];
      return url === undefined || userCode === undefined ? undefined : { url, userCode };
    });
    return { prompt, exited, exitCode: () => child.exitCode, kill: () => void (child.exitCode === null && child.kill('SIGTERM')) };
  }
});
