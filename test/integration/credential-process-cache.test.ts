import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBrokerClient, renderEnvFile, sessionIdOfCredential, sessionLayout } from '../../src/client/index.ts';
import { credentialProcess } from '../../src/cli/commands/credential-process.ts';
import { ManualClock } from '../../src/core/index.ts';
import { DS, RO, startAgentEnv, type AgentEnv } from '../e2e/sessions-agent-fixtures.ts';
import { freePort } from '../helpers/ports.ts';
import { startCountingProxy, type CountingProxy } from '../helpers/processes.ts';
import { runCli } from '../helpers/run-cli.ts';

const TOKEN_EXCHANGE = 'POST /oauth/token';
const MINUTE = 60_000;

/**
 * `roleport credential-process` caches in the session directory: the second call reaches no
 * broker (the token exchanges are counted by a proxy in front of the real broker), a call
 * inside the SDKs' 15-minute refresh window renews (injected clock), and a cache that is not
 * this session's or that others could read is ignored. Plus the small things of the same
 * path: the broker found from the session directory, run --role, login, idp login aws.
 */
describe('credential-process cache and the in-session path', () => {
  let env: AgentEnv;
  let proxy: CountingProxy;
  let home: string;
  let dir: string;
  let credential: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'roleport-cache-test-'));
    env = await startAgentEnv();
    await env.signIn('alice');
    proxy = await startCountingProxy(env.url);
    const started = await createBrokerClient({ baseUrl: env.url }).startSession(await env.userToken('alice'), { roles: [DS, RO] });
    credential = started.credential;
    // A session directory as the agent writes it: the credential and the env file naming the broker.
    dir = join(home, 'session');
    mkdirSync(dir, { mode: 0o700 });
    const layout = sessionLayout(dir);
    writeFileSync(layout.credentialFile, credential, { mode: 0o600 });
    writeFileSync(layout.envFile, renderEnvFile({ ROLEPORT_URL: proxy.url, ROLEPORT_SESSION_DIR: dir }), { mode: 0o600 });
  });
  after(async () => {
    await proxy?.close();
    await env?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const options = (clock: ManualClock) => ({ roleArn: DS, sessionDir: dir, stsEndpoint: env.stsUrl, clock });

  test('the second call is served from a 0600 cache without a token exchange; inside the refresh window it renews', async () => {
    const clock = new ManualClock(Date.now());
    const before = proxy.count(TOKEN_EXCHANGE);
    const first = await credentialProcess(options(clock));
    assert.equal(proxy.count(TOKEN_EXCHANGE), before + 1);
    assert.match(first.AccessKeyId, /^ASIA/);
    assert.equal(first.Version, 1);

    const cacheDir = sessionLayout(dir).credentialCacheDir;
    const files = readdirSync(cacheDir);
    assert.equal(files.length, 1);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(cacheDir, files[0]!)).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(join(cacheDir, files[0]!), 'utf8'), /rps_/, 'the cache never holds the session credential');

    const second = await credentialProcess(options(clock));
    assert.deepEqual(second, first);
    assert.equal(proxy.count(TOKEN_EXCHANGE), before + 1, 'a cache hit reaches no broker');

    // 16 minutes before expiry: still outside the window. 14 minutes before: renewed.
    const expiresAt = Date.parse(first.Expiration);
    clock.set(expiresAt - 16 * MINUTE);
    assert.deepEqual(await credentialProcess(options(clock)), first);
    assert.equal(proxy.count(TOKEN_EXCHANGE), before + 1);
    clock.set(expiresAt - 14 * MINUTE);
    const renewed = await credentialProcess(options(clock));
    assert.equal(proxy.count(TOKEN_EXCHANGE), before + 2);
    assert.notEqual(renewed.AccessKeyId, first.AccessKeyId);
    // The renewed credentials replace the cached ones.
    clock.set(Date.now());
    assert.deepEqual(await credentialProcess(options(clock)), renewed);
    assert.equal(proxy.count(TOKEN_EXCHANGE), before + 2);
  });

  test('a cache that another session wrote, that others can read, or that does not parse is ignored', async () => {
    const clock = new ManualClock(Date.now());
    const cached = await credentialProcess(options(clock));
    const cacheDir = sessionLayout(dir).credentialCacheDir;
    const file = join(cacheDir, readdirSync(cacheDir)[0]!);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { session: string };
    assert.equal(entry.session, sessionIdOfCredential(credential));

    const cases: Array<[string, () => void]> = [
      ['another session', () => writeFileSync(file, JSON.stringify({ ...entry, session: 'ses_someoneelse' }), { mode: 0o600 })],
      ['readable by others', () => chmodSync(file, 0o644)],
      ['garbled', () => writeFileSync(file, '{"version":1,', { mode: 0o600 })],
    ];
    for (const [name, spoil] of cases) {
      // Spoil a copy of a good entry, planted with the attacker's own credentials.
      writeFileSync(file, JSON.stringify({ ...entry, credentials: { ...cached, AccessKeyId: 'ASIAPLANTEDPLANTED00' } }), { mode: 0o600 });
      chmodSync(file, 0o600);
      spoil();
      const before = proxy.count(TOKEN_EXCHANGE);
      const result = await credentialProcess(options(clock));
      assert.notEqual(result.AccessKeyId, 'ASIAPLANTEDPLANTED00', name);
      assert.equal(proxy.count(TOKEN_EXCHANGE), before + 1, `${name}: a fresh exchange`);
      assert.equal(statSync(file).mode & 0o777, 0o600, `${name}: rewritten 0600`);
    }
  });

  test('the CLI with --session-dir alone finds the broker in the env file and prints credential_process JSON', async () => {
    const before = proxy.count(TOKEN_EXCHANGE);
    // A duration not cached yet: this call must reach the broker named by the env file.
    const result = await runCli(['credential-process', '--role-arn', RO, '--duration-seconds', '1800', '--session-dir', dir], { AWS_ENDPOINT_URL_STS: env.stsUrl });
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(json['Version'], 1);
    assert.match(String(json['AccessKeyId']), /^ASIA/);
    assert.equal(proxy.count(TOKEN_EXCHANGE), before + 1);
    const again = await runCli(['credential-process', '--role-arn', RO, '--duration-seconds', '1800', '--session-dir', dir], { AWS_ENDPOINT_URL_STS: env.stsUrl });
    assert.equal(again.stdout, result.stdout);
    assert.equal(proxy.count(TOKEN_EXCHANGE), before + 1);
  });

  test('idp login aws --profile writes the region to ~/.aws/config, not to the session\'s AWS_CONFIG_FILE', async () => {
    const userHome = join(home, 'user');
    mkdirSync(userHome);
    const sessionConfig = sessionLayout(dir).awsConfigFile;
    const result = await runCli(['idp', 'login', 'aws', '--role-arn', DS, '--profile', 'work', '--sts-endpoint', env.stsUrl, '--json'], {
      HOME: userHome,
      ROLEPORT_SESSION_DIR: dir,
      AWS_CONFIG_FILE: sessionConfig,
      AWS_SHARED_CREDENTIALS_FILE: join(userHome, '.aws', 'credentials'),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).config_file, join(userHome, '.aws', 'config'));
    assert.match(readFileSync(join(userHome, '.aws', 'config'), 'utf8'), /\[profile work\]\nregion = us-east-1\n/);
    assert.equal(existsSync(sessionConfig), false);
  });

  test('run --role with a bad ARN names the flag and the rule (exit 2)', async () => {
    const result = await runCli(['run', '--role', 'notanarn', '--', 'true']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^roleport: --role notanarn: not an ARN \(expected arn:aws:iam::123456789012:role\/NAME\)\n$/);
  });

  test('login checks the broker before waiting for the browser; a sign-in timeout exits 1', async () => {
    const loginEnv = { ROLEPORT_CREDENTIALS_FILE: join(home, 'cli-credentials.json') };
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await runCli(['login', '--url', closed, '--no-browser'], loginEnv);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^roleport: cannot reach the broker at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    assert.doesNotMatch(unreachable.stderr, /Open this URL/);

    const timedOut = await runCli(['login', '--url', env.url, '--no-browser', '--timeout', '1'], loginEnv);
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.stderr, /Open this URL[\s\S]*roleport: sign-in did not complete within 1 s\n$/);
  });
});
