import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { nextDevLine, startDev, stopDev, type DevProcess } from '../helpers/dev-process.ts';
import { assertAccessible, screenshot, screenshotFolder } from '../helpers/page-check.ts';
import { runCli } from '../helpers/run-cli.ts';

/**
 * The explain page and `roleport policy explain` agree: for each case of a table — policies
 * pasted or a role of `roleport dev`'s local STS, tokens or claims, the request's transport,
 * source address and time — the page (in Chromium, signed in as alice) and the CLI (its JSON and
 * its text) give the same decision, the same STS answer, the same failing conditions and the
 * same words.
 */
const ISSUER = 'https://issuer.example.com';
const PROVIDER_ARN = 'arn:aws:iam::111122223333:oidc-provider/issuer.example.com';
const AT = '2030-01-01T12:00:00Z';
const AT_SECONDS = Date.parse(AT) / 1000;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const policy = (conditions: Record<string, unknown>, extra: object[] = []) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Repo', Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions }, ...extra],
  });
const REPO_POLICY = policy({ StringEquals: { 'issuer.example.com:aud': 'sts.amazonaws.com' }, StringLike: { 'issuer.example.com:sub': 'repo:acme/*' } });

const token = (claims: Record<string, unknown>) =>
  new SignJWT({ aud: 'sts.amazonaws.com', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setIssuedAt(AT_SECONDS - 60)
    .setExpirationTime(AT_SECONDS + 3600)
    .sign(privateKey);

/** One row of the table: what goes into the page's form and, as files and flags, into the CLI. */
interface Case {
  name: string;
  /** A role of the local STS (its trust policy, maximum session and tags), else `policy`. */
  role?: string;
  policy?: string;
  token?: () => Promise<string>;
  claims?: Record<string, unknown>;
  provider?: string;
  sessionName?: string;
  durationSeconds?: string;
  secureTransport?: 'false';
  sourceIp?: string;
  /** Default {@link AT}. */
  at?: () => string;
  expect: { decision: 'allow' | 'deny'; sts: string };
}

describe('the explain page and roleport policy explain agree (Chromium)', () => {
  let dir: string;
  let dataDir: string;
  let dev: DevProcess;
  let endpoints: Record<string, string>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  let roles: Array<{ arn: string; max_session_duration: number; tags: Record<string, string>; trust_policy: unknown }>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-explain-page-'));
    dataDir = join(dir, 'data');
    dev = startDev(['--port', '0', '--json', '--data-dir', dataDir]);
    endpoints = JSON.parse(await nextDevLine(dev)) as Record<string, string>;
    const listed = await runCli(['sts', 'role', 'list', '--json'], { ROLEPORT_DATA_DIR: dataDir });
    assert.equal(listed.code, 0, listed.stderr);
    roles = (JSON.parse(listed.stdout) as { roles: typeof roles }).roles;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto(`${endpoints['web']}/login`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice');
    await page.click('#sign-in');
    await page.waitForURL(`${endpoints['web']}/`);
    shots = screenshotFolder('explain');
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    if (dev !== undefined) await stopDev(dev);
    await rm(dir, { recursive: true, force: true });
  });

  /** A token `roleport token mint` signs with the dev issuer's key (the sub names the role, as session tokens do). */
  const devToken = async (sub: string): Promise<string> => {
    const minted = await runCli(['token', 'mint', '--sub', sub, '--aud', 'sts.amazonaws.com'], { ROLEPORT_DATA_DIR: dataDir, ROLEPORT_ISSUER: endpoints['issuer']! });
    assert.equal(minted.code, 0, minted.stderr);
    return minted.stdout.trim();
  };
  const nowish = () => new Date(Date.now() + 60_000).toISOString().slice(0, 19) + 'Z';

  const cases: Case[] = [
    { name: 'allow: aud and sub match', policy: REPO_POLICY, token: () => token({ sub: 'repo:acme/app' }), expect: { decision: 'allow', sts: 'success' } },
    { name: 'deny: the sub condition fails', policy: REPO_POLICY, token: () => token({ sub: 'repo:other/app' }), expect: { decision: 'deny', sts: 'AccessDenied' } },
    { name: 'expired token', policy: REPO_POLICY, token: () => token({ sub: 'repo:acme/app' }), at: () => '2030-01-02T12:00:00Z', expect: { decision: 'allow', sts: 'ExpiredTokenException' } },
    {
      name: 'claims against an explicit Deny',
      policy: policy({ StringLike: { 'issuer.example.com:sub': 'repo:acme/*' } }, [{ Sid: 'NoForks', Effect: 'Deny', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { 'issuer.example.com:sub': 'repo:acme/fork-*' } } }]),
      claims: { iss: ISSUER, aud: 'sts.amazonaws.com', sub: 'repo:acme/fork-1', iat: AT_SECONDS - 60, exp: AT_SECONDS + 3600 },
      expect: { decision: 'deny', sts: 'AccessDenied' },
    },
    { name: 'plain HTTP against aws:SecureTransport', policy: policy({ Bool: { 'aws:SecureTransport': 'true' } }), token: () => token({ sub: 'repo:acme/app' }), secureTransport: 'false', expect: { decision: 'deny', sts: 'AccessDenied' } },
    { name: 'a source address outside the range', policy: policy({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), token: () => token({ sub: 'repo:acme/app' }), sourceIp: '192.0.2.7', expect: { decision: 'deny', sts: 'AccessDenied' } },
    { name: 'a duration over the role\'s maximum', policy: REPO_POLICY, token: () => token({ sub: 'repo:acme/app' }), durationSeconds: '7200', sessionName: 'ci-build', expect: { decision: 'allow', sts: 'ValidationError' } },
    {
      name: 'a role of the local STS with a token minted for it',
      role: 'arn:aws:iam::111111111111:role/DataScientist',
      token: () => devToken('user:alice:role:111111111111:DataScientist'),
      provider: 'issuer',
      at: nowish,
      expect: { decision: 'allow', sts: 'success' },
    },
    {
      name: 'a role of the local STS with a token minted for another role',
      role: 'arn:aws:iam::111111111111:role/DataScientist',
      token: () => devToken('user:bob:role:222222222222:ReadOnly'),
      provider: 'issuer',
      at: nowish,
      expect: { decision: 'deny', sts: 'AccessDenied' },
    },
  ];

  for (const [index, testCase] of cases.entries()) {
    it(testCase.name, async () => {
      const tokenText = testCase.token === undefined ? undefined : await testCase.token();
      const at = testCase.at?.() ?? AT;
      const provider = testCase.provider === 'issuer' ? endpoints['issuer']! : testCase.provider;
      const role = testCase.role === undefined ? undefined : roles.find((r) => r.arn === testCase.role)!;

      // The page.
      await page.goto(`${endpoints['web']}/admin/explain`);
      if (role !== undefined) await page.selectOption('#explain-role', role.arn);
      await page.fill('#explain-policy', testCase.policy ?? '');
      await page.fill('#explain-token', tokenText ?? '');
      await page.fill('#explain-claims', testCase.claims === undefined ? '' : JSON.stringify(testCase.claims));
      await page.fill('#explain-provider', provider ?? '');
      await page.fill('#explain-session-name', testCase.sessionName ?? '');
      await page.fill('#explain-duration', testCase.durationSeconds ?? '');
      await page.selectOption('#explain-secure-transport', testCase.secureTransport ?? '');
      await page.fill('#explain-source-ip', testCase.sourceIp ?? '');
      await page.fill('#explain-at', at);
      await page.click('#explain-submit');
      await page.waitForSelector('#explain-verdict');
      const verdict = page.locator('#explain-verdict');
      const shown = {
        decision: await verdict.getAttribute('data-decision'),
        sts: await verdict.getAttribute('data-sts'),
        failing: await page.locator('.failing-condition').count(),
        text: (await page.locator('#explain-text').textContent())!,
      };
      if (index < 2) {
        await assertAccessible(page, `explain: ${testCase.name}`);
        await page.click('#explain-cli summary');
        await screenshot(page, shots, `explain-${index}`);
      }

      // The CLI, with the same inputs as files and flags.
      const files = join(dir, `case-${index}`);
      const args = ['policy', 'explain', '--at', at];
      const write = async (name: string, text: string): Promise<string> => {
        const path = `${files}-${name}`;
        await writeFile(path, text);
        return path;
      };
      args.push('--policy', await write('policy.json', testCase.policy ?? JSON.stringify(role!.trust_policy)));
      if (tokenText !== undefined) args.push('--token', await write('token', tokenText));
      if (testCase.claims !== undefined) args.push('--claims', await write('claims.json', JSON.stringify(testCase.claims)));
      if (provider !== undefined) args.push('--provider', provider);
      // What the page takes from the local STS: the provider's client IDs, the role's maximum session and tags.
      if (provider === endpoints['issuer']) args.push('--client-id', 'sts.amazonaws.com');
      if (role !== undefined) {
        args.push('--max-session-duration', String(role.max_session_duration));
        for (const [key, value] of Object.entries(role.tags)) args.push('--role-tag', `${key}=${value}`);
      }
      if (testCase.sessionName !== undefined) args.push('--session-name', testCase.sessionName);
      if (testCase.durationSeconds !== undefined) args.push('--duration-seconds', testCase.durationSeconds);
      if (testCase.secureTransport !== undefined) args.push('--secure-transport', testCase.secureTransport);
      if (testCase.sourceIp !== undefined) args.push('--source-ip', testCase.sourceIp);
      const json = await runCli([...args, '--json'], {});
      assert.equal(json.code, 0, json.stderr);
      const result = JSON.parse(json.stdout) as { decision: string; sts: { outcome: string; code?: string }; failingConditions: unknown[] };
      const text = await runCli(args, {});
      assert.equal(text.code, 0, text.stderr);

      assert.deepEqual(
        { decision: shown.decision, sts: shown.sts, failing: shown.failing },
        { decision: result.decision, sts: result.sts.outcome === 'success' ? 'success' : result.sts.code, failing: result.failingConditions.length },
        'the page and the CLI give the same answer',
      );
      assert.deepEqual({ decision: shown.decision, sts: shown.sts }, testCase.expect, 'the answer the case expects');
      assert.equal(shown.text.trim(), text.stdout.trim(), 'the page shows the CLI\'s own words');
    });
  }

  it('bad input is named beside its field and the form keeps what was typed', async (t) => {
    t.diagnostic(`screenshots: ${shots}`);
    await page.goto(`${endpoints['web']}/admin/explain`);
    await page.fill('#explain-policy', '{"Version": "2012-10-17", "Statement": [');
    await page.fill('#explain-claims', '{"sub": "x"}');
    await page.click('#explain-submit');
    await page.waitForSelector('#explain-policy-error');
    assert.match((await page.locator('#explain-policy-error').textContent())!, /^Trust policy: MalformedPolicyDocument: /);
    assert.equal(await page.inputValue('#explain-policy'), '{"Version": "2012-10-17", "Statement": [');
    assert.equal(await page.inputValue('#explain-claims'), '{"sub": "x"}');
    await assertAccessible(page, 'explain: refused');
    await screenshot(page, shots, 'explain-refused');
  });
});
