import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCliCredentials } from '../../src/client/index.ts';
import { ROLEPORT_BIN, runCli } from '../helpers/run-cli.ts';
import { ANALYST, DS, RO, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';

/**
 * `roleport run` as a user runs it: a real broker, a signed-in CLI (credentials file with a
 * user API token), and the command as a child process. It must pass on the command's exit
 * code, forward signals, hand the command the session's environment without inherited
 * static keys, and end the session afterwards.
 */
describe('roleport run', () => {
  let env: SessionsEnv;
  let home: string;
  let cliEnv: Record<string, string>;
  let userToken: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'roleport-run-test-'));
    env = await startSessionsEnv();
    await env.signIn('alice');
    userToken = (await env.broker.app.services.sessions.userTokens.create({ userName: 'alice', actor: 'test' })).token;
    const credentialsFile = join(home, 'credentials.json');
    writeCliCredentials(credentialsFile, { url: env.url, token: userToken, username: 'alice', expiresAt: null });
    cliEnv = {
      ROLEPORT_CREDENTIALS_FILE: credentialsFile,
      TMPDIR: home,
      // Inherited static credentials would shadow the session's: run must drop them.
      AWS_ACCESS_KEY_ID: 'AKIASTATICSTATIC',
      AWS_SECRET_ACCESS_KEY: 'static-secret',
      AWS_PROFILE: 'someone-else',
    };
  });
  after(async () => {
    await env?.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function sessions(): Promise<Array<{ id: string; state: string }>> {
    const response = await fetch(`${env.url}/api/v1/sessions`, { headers: { authorization: `Bearer ${userToken}` } });
    return ((await response.json()) as { sessions: Array<{ id: string; state: string }> }).sessions;
  }

  test('the command gets the session environment (no static keys) and its exit code; the session ends after', async () => {
    const script = `
      const fs = require('node:fs');
      const e = process.env;
      const token = fs.readFileSync(e.AWS_WEB_IDENTITY_TOKEN_FILE, 'utf8');
      console.log(JSON.stringify({
        arn: e.AWS_ROLE_ARN, name: e.AWS_ROLE_SESSION_NAME, region: e.AWS_REGION, regional: e.AWS_STS_REGIONAL_ENDPOINTS,
        config: fs.readFileSync(e.AWS_CONFIG_FILE, 'utf8'), parts: token.split('.').length, newline: token.endsWith('\\n'),
        key: e.AWS_ACCESS_KEY_ID ?? null, secret: e.AWS_SECRET_ACCESS_KEY ?? null, profile: e.AWS_PROFILE ?? null,
        dir: e.ROLEPORT_SESSION_DIR,
      }));
      process.exit(7);`;
    const result = await runCli(['run', '--role', DS, '--role', RO, '--region', 'eu-west-1', '--', process.execPath, '-e', script], cliEnv);
    assert.equal(result.code, 7, result.stderr);
    const seen = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(seen['arn'], DS);
    assert.equal(seen['region'], 'eu-west-1');
    assert.equal(seen['regional'], 'regional');
    assert.equal(seen['parts'], 3);
    assert.equal(seen['newline'], false);
    assert.equal(seen['key'], null);
    assert.equal(seen['secret'], null);
    assert.equal(seen['profile'], null);
    assert.match(String(seen['config']), /\[profile DataScientist\][\s\S]*\[profile ReadOnly\]/);
    assert.match(String(seen['name']), /^[\w+=,.@-]{2,64}$/);
    // The temporary session directory is gone and the session ended.
    assert.equal(existsSync(String(seen['dir'])), false);
    const list = await sessions();
    assert.equal(list[0]!.state, 'ended');
  });

  test('a zero exit is zero; a missing command is 127', async () => {
    const ok = await runCli(['run', '--role', DS, '--', process.execPath, '-e', 'process.exit(0)'], cliEnv);
    assert.equal(ok.code, 0, ok.stderr);
    const missing = await runCli(['run', '--role', DS, '--', 'roleport-no-such-command-xyz'], cliEnv);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /cannot run roleport-no-such-command-xyz: command not found/);
  });

  /** Starts `run` with a child that prints "ready"; resolves once it did. */
  async function startRun(childScript: string): Promise<{ child: ReturnType<typeof spawn>; stdout: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
    const child = spawn(process.execPath, [ROLEPORT_BIN, 'run', '--role', DS, '--', process.execPath, '-e', childScript], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ...cliEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    for (let i = 0; i < 1500 && !stdout.includes('ready'); i++) {
      if (child.exitCode !== null) throw new Error(`run exited early: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (!stdout.includes('ready')) throw new Error(`the command never started: ${stderr}`);
    return { child, stdout: () => stdout, exit };
  }

  test('SIGTERM is forwarded to the command, which decides the exit code', async () => {
    const run = await startRun(`process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(3); }); console.log('ready'); setInterval(() => {}, 1000);`);
    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    assert.equal(code, 3);
    assert.match(run.stdout(), /got SIGTERM/);
  });

  test('a command killed by a forwarded signal gives 128 + the signal number', async () => {
    const run = await startRun(`console.log('ready'); setInterval(() => {}, 1000);`);
    run.child.kill('SIGINT');
    assert.deepEqual(await run.exit, { code: 130, signal: null });
    const hup = await startRun(`console.log('ready'); setInterval(() => {}, 1000);`);
    hup.child.kill('SIGHUP');
    assert.deepEqual(await hup.exit, { code: 129, signal: null });
    const list = await sessions();
    assert.ok(list.slice(0, 2).every((s) => s.state === 'ended'));
  });

  test('a role the user does not hold: 403 from the broker, exit 2, nothing started', async () => {
    const before = (await sessions()).length;
    const marker = join(home, 'ran');
    const result = await runCli(['run', '--role', ANALYST, '--', process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`], cliEnv);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^roleport: .+/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(marker), false);
    assert.equal((await sessions()).length, before);
  });

  test('bad usage and no sign-in are exit 2 with a message naming the problem', async () => {
    const noCommand = await runCli(['run', '--role', DS], cliEnv);
    assert.equal(noCommand.code, 2);
    const notSignedIn = await runCli(['run', '--role', DS, '--', 'true'], { ...cliEnv, ROLEPORT_CREDENTIALS_FILE: join(home, 'nobody.json') });
    assert.equal(notSignedIn.code, 2);
    assert.match(notSignedIn.stderr, /not signed in .*roleport login/);
  });
});
