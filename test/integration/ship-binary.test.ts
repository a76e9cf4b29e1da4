import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { createBrokerClient, writeCliCredentials } from '../../src/client/index.ts';
import { DS, startAgentEnv, type AgentEnv } from '../e2e/sessions-agent-fixtures.ts';
import { runProcess, startCountingProxy, startJsonProcess, stopProcess, type CountingProxy } from '../helpers/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AWS_CLI = '/usr/bin/aws';
const TOKEN_EXCHANGE = 'POST /oauth/token';

/**
 * The single executable for session images (`npm run build:binary`), copied alone into an
 * empty directory and run with a PATH that has no Node on it (only the AWS CLI): it starts
 * the agent, prints `idp token`, serves `credential-process` to a real AWS CLI call through
 * the agent's profile (the second call from its cache: no token exchange reaches the broker),
 * and runs a command with `roleport run`, against a real broker and its local STS.
 */
describe('the single executable', () => {
  let env: AgentEnv;
  let proxy: CountingProxy;
  let work: string;
  let binary: string;
  let bareEnv: Record<string, string>;
  let agent: ChildProcess | undefined;
  let summary: Record<string, unknown>;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'roleport-binary-test-'));
    const build = await runProcess(process.execPath, [join(ROOT, 'scripts', 'build-binary.ts')], { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? work }, { cwd: ROOT });
    assert.equal(build.code, 0, build.stderr);
    const image = join(work, 'image');
    mkdirSync(image);
    binary = join(image, `roleport-linux-${process.arch}`);
    copyFileSync(join(ROOT, 'dist', `roleport-linux-${process.arch}`), binary);
    // PATH: the AWS CLI and nothing else (Debian's /bin and /usr/bin hold a Node).
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(AWS_CLI, join(bin, 'aws'));
    const home = join(work, 'home');
    mkdirSync(home);
    bareEnv = { PATH: bin, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials') };

    env = await startAgentEnv();
    await env.signIn('alice');
    proxy = await startCountingProxy(env.url);
  });
  after(async () => {
    if (agent !== undefined) await stopProcess(agent);
    await proxy?.close();
    await env?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('no Node on the PATH it runs with', async () => {
    const node = await runProcess('/usr/bin/env', ['node', '--version'], bareEnv);
    assert.equal(node.code, 127);
    const version = await runProcess(binary, ['--version'], bareEnv, { cwd: dirname(binary) });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const mib = statSync(binary).size / 1024 / 1024;
    assert.ok(mib > 1, `a whole executable (${mib.toFixed(1)} MiB)`);
  });

  test('agent, then the AWS CLI through its credential_process profile; the second call is served from the cache', async () => {
    const started = await createBrokerClient({ baseUrl: env.url }).startSession(await env.userToken('alice'), { roles: [DS] });
    const credentialFile = join(work, 'session-credential');
    writeFileSync(credentialFile, started.credential, { mode: 0o600 });
    const sessionDir = join(work, 'session');
    const running = await startJsonProcess(
      binary,
      ['agent', '--session-credential-file', credentialFile, '--dir', sessionDir, '--credential-process', '--sts-endpoint', env.stsUrl, '--url', proxy.url, '--json'],
      bareEnv,
      { cwd: work },
    );
    agent = running.child;
    summary = running.first;
    assert.equal(summary['session'], started.session.id);

    const call = () => runProcess('aws', ['sts', 'get-caller-identity', '--endpoint-url', env.stsUrl, '--output', 'json'], { ...bareEnv, AWS_CONFIG_FILE: String(summary['aws_config_file']) });
    const before = proxy.count(TOKEN_EXCHANGE);
    const first = await call();
    assert.equal(first.code, 0, first.stderr);
    assert.match(JSON.parse(first.stdout).Arn as string, /^arn:aws:sts::111111111111:assumed-role\/DataScientist\//);
    const afterFirst = proxy.count(TOKEN_EXCHANGE);
    assert.ok(afterFirst > before, 'the first call exchanged a token');
    const second = await call();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).Arn, JSON.parse(first.stdout).Arn);
    assert.equal(proxy.count(TOKEN_EXCHANGE), afterFirst, 'the second call reached no broker');
  });

  test('idp token in the session directory (the broker from its env file)', async () => {
    const result = await runProcess(binary, ['idp', 'token', '--decode', '--json'], { ...bareEnv, ROLEPORT_SESSION_DIR: String(summary['dir']) });
    assert.equal(result.code, 0, result.stderr);
    const { claims } = JSON.parse(result.stdout) as { claims: Record<string, unknown> };
    // The first role's token: its sub names the role (issue 10's binding).
    assert.equal(claims['sub'], 'user:alice:role:111111111111:DataScientist');
    assert.equal(claims['iss'], env.url);
  });

  test('run: a signed-in user runs the AWS CLI with a session of their role', async () => {
    const credentialsFile = join(work, 'cli-credentials.json');
    writeCliCredentials(credentialsFile, { url: env.url, token: await env.userToken('alice'), username: 'alice', expiresAt: null });
    const result = await runProcess(
      binary,
      ['run', '--role', DS, '--credential-process', '--sts-endpoint', env.stsUrl, '--', 'aws', 'sts', 'get-caller-identity', '--endpoint-url', env.stsUrl, '--output', 'json'],
      { ...bareEnv, ROLEPORT_CREDENTIALS_FILE: credentialsFile },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(JSON.parse(result.stdout).Arn as string, /:assumed-role\/DataScientist\//);
  });
});
