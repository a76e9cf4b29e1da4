import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromContainerMetadata, fromHttp, fromTokenFile } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { createBrokerClient, readCliCredentials } from '../../src/client/index.ts';
import { ROLEPORT_BIN, runCli } from '../helpers/run-cli.ts';
import { runProcess } from '../helpers/processes.ts';
import { DS, RO, eventually, startAgentEnv, type AgentEnv } from './sessions-agent-fixtures.ts';
import { confirmCliLogin } from '../integration/sessions-fixtures.ts';

/**
 * The whole flow with real parts: alice signs in at the test IdP through `roleport login`
 * (loopback redirect), starts a session, `roleport agent` writes its files and serves
 * container credentials, and AWS's own clients get credentials from each delivery against
 * the local STS — the JS SDK from the token file and from the container endpoint (explicit
 * providers and the default chain), the Debian AWS CLI through credential_process — with
 * `GetCallerIdentity` naming `assumed-role/<role>/<session name>`. Then the in-session
 * commands: `idp token`, `credential-process`, `idp login aws`.
 */
const AWS_CLI = '/usr/bin/aws';

describe('a session from sign-in to GetCallerIdentity', () => {
  let env: AgentEnv;
  let home: string;
  let credentialsFile: string;
  let agentProcess: ChildProcess | undefined;
  let summary: Record<string, string | null>;
  let credential: string;
  let sessionName: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'roleport-agent-sdk-'));
    credentialsFile = join(home, 'credentials.json');
    env = await startAgentEnv();
  });
  after(async () => {
    if (agentProcess !== undefined && agentProcess.exitCode === null) {
      const exited = new Promise((resolve) => agentProcess!.once('exit', resolve));
      agentProcess.kill('SIGTERM');
      await exited;
    }
    await env?.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** AWS clients see no developer settings: an empty HOME, no profile, no keys. */
  const awsEnv = (extra: Record<string, string>): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...extra });

  async function callerArn(provider: AwsCredentialIdentityProvider): Promise<string> {
    const client = new STSClient({ region: 'us-east-1', endpoint: env.stsUrl, credentials: provider });
    try {
      return (await client.send(new GetCallerIdentityCommand({}))).Arn!;
    } finally {
      client.destroy();
    }
  }

  test('roleport login: loopback redirect through the broker and the IdP stores a user API token 0600', async () => {
    const jar = await env.signIn('alice');
    const login = spawn(process.execPath, [ROLEPORT_BIN, 'login', '--url', env.url, '--no-browser', '--json'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ROLEPORT_CREDENTIALS_FILE: credentialsFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    login.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    login.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => login.once('exit', resolve));
    const loginUrl = await eventually('the login URL', () => /(http:\/\/\S+\/cli\/login\?\S+)/.exec(stderr)?.[1]);
    const userCode = await eventually('the user code', () => /must show the code ([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1]);
    // The browser (already signed in) shows the consent page with that code; confirming sends a code to the CLI's loopback listener.
    const toCli = await confirmCliLogin(jar, loginUrl, userCode);
    assert.equal(toCli.status, 303);
    const callback = toCli.headers.get('location')!;
    assert.match(callback, /^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    // The CLI's listener sends the browser back to the broker's own page for the outcome.
    const back = await fetch(callback, { redirect: 'manual' });
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), `${env.url}/cli/login/done?outcome=signed-in`);
    const page = await jar.fetch(back.headers.get('location')!);
    assert.match(await page.text(), /The Roleport CLI is signed in[\s\S]*Signed in as alice/);
    assert.equal(await exited, 0, stderr);
    assert.equal(JSON.parse(stdout).username, 'alice');
    const stored = readCliCredentials(credentialsFile)!;
    assert.equal(stored.username, 'alice');
    assert.match(stored.token, /^rpu_/);
    assert.equal(statSync(credentialsFile).mode & 0o777, 0o600);
  });

  test('start a session with the stored token; roleport agent writes its files and serves container credentials', async () => {
    const stored = readCliCredentials(credentialsFile)!;
    const started = await createBrokerClient({ baseUrl: stored.url }).startSession(stored.token, { roles: [DS, RO] });
    credential = started.credential;
    sessionName = started.session.roles[0]!.sessionName;
    const credentialFile = join(home, 'session-credential');
    writeFileSync(credentialFile, credential, { mode: 0o600 });
    agentProcess = spawn(
      process.execPath,
      [ROLEPORT_BIN, 'agent', '--session-credential-file', credentialFile, '--dir', join(home, 'session'), '--container-credentials', '--credential-process', '--sts-endpoint', env.stsUrl, '--json'],
      { env: { PATH: process.env['PATH'] ?? '', HOME: home, ROLEPORT_URL: env.url }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    agentProcess.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    summary = await eventually('the agent to be ready', () => (stdout.includes('\n') ? (JSON.parse(stdout) as Record<string, string | null>) : undefined));
    assert.equal(summary['session'], started.session.id);
    const token = readFileSync(summary['token_file']!, 'utf8');
    assert.equal(token.split('.').length, 3);
    assert.ok(!token.endsWith('\n'));
    for (const file of ['token_file', 'env_file', 'aws_config_file']) assert.equal(statSync(summary[file]!).mode & 0o777, 0o600, file);
    const roleTokenFiles = summary['role_token_files'] as unknown as Record<string, string>;
    assert.deepEqual(Object.keys(roleTokenFiles), ['DataScientist', 'ReadOnly']);
    for (const file of Object.values(roleTokenFiles)) assert.equal(statSync(file).mode & 0o777, 0o600, file);
    const envFile = readFileSync(summary['env_file']!, 'utf8');
    assert.match(envFile, /^AWS_CONTAINER_CREDENTIALS_FULL_URI=http:\/\/127\.0\.0\.1:\d+\//m);
    assert.doesNotMatch(envFile, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });

  test('the JS SDK: fromTokenFile with AWS_ENDPOINT_URL_STS gets credentials for each role from its own token file', async () => {
    const roleTokenFiles = summary['role_token_files'] as unknown as Record<string, string>;
    for (const [role, name] of [[DS, 'DataScientist'], [RO, 'ReadOnly']] as const) {
      const saved = { ...process.env };
      Object.assign(process.env, { AWS_ROLE_ARN: role, AWS_WEB_IDENTITY_TOKEN_FILE: roleTokenFiles[name]!, AWS_ROLE_SESSION_NAME: sessionName, AWS_ENDPOINT_URL_STS: env.stsUrl, AWS_REGION: 'us-east-1' });
      try {
        const arn = await callerArn(fromTokenFile());
        assert.equal(arn, `arn:aws:sts::${role.split(':')[4]}:assumed-role/${name}/${sessionName}`);
      } finally {
        process.env = saved;
      }
    }
    // The first role's token (the `token` file) is refused by the other role: its sub names DataScientist.
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ROLE_ARN: RO, AWS_WEB_IDENTITY_TOKEN_FILE: summary['token_file']!, AWS_ROLE_SESSION_NAME: sessionName, AWS_ENDPOINT_URL_STS: env.stsUrl, AWS_REGION: 'us-east-1' });
    try {
      await assert.rejects(callerArn(fromTokenFile()), (error: unknown) => error instanceof Error && error.name === 'AccessDenied');
    } finally {
      process.env = saved;
    }
  });

  test('the JS SDK: the container endpoint through fromHttp, fromContainerMetadata and the default chain', async () => {
    const envVars = Object.fromEntries(
      readFileSync(summary['env_file']!, 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    ) as Record<string, string>;
    const expected = `arn:aws:sts::111111111111:assumed-role/DataScientist/${sessionName}`;
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: envVars['AWS_CONTAINER_CREDENTIALS_FULL_URI'],
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: envVars['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'],
      AWS_CONTAINER_AUTHORIZATION_TOKEN: envVars['AWS_CONTAINER_AUTHORIZATION_TOKEN'],
    });
    try {
      assert.equal(await callerArn(fromHttp({})), expected);
      assert.equal(await callerArn(fromContainerMetadata()), expected);
    } finally {
      process.env = saved;
    }
    // The default chain in a fresh process with exactly the session's environment (env file).
    const script = `
      import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
      const client = new STSClient({ region: 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL_STS });
      console.log((await client.send(new GetCallerIdentityCommand({}))).Arn);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env: awsEnv(envVars), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0, err);
    assert.equal(out.trim(), expected);
    // The endpoint refuses a wrong Authorization value.
    const refused = await fetch(envVars['AWS_CONTAINER_CREDENTIALS_FULL_URI']!, { headers: { authorization: 'guess' } });
    assert.equal(refused.status, 401);
  });

  test('the Debian AWS CLI through credential_process (default profile and a named one)', async () => {
    const base = awsEnv({ AWS_CONFIG_FILE: summary['aws_config_file']!, AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials') });
    for (const [args, role] of [[[], 'DataScientist'], [['--profile', 'ReadOnly'], 'ReadOnly']] as const) {
      const result = await runProcess(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', env.stsUrl, '--output', 'json', ...args], base);
      assert.equal(result.code, 0, result.stderr);
      assert.match(JSON.parse(result.stdout).Arn as string, new RegExp(`:assumed-role/${role}/${sessionName.replace(/[.]/g, '\\.')}$`));
    }
  });

  test('in-session commands: idp token (--decode), credential-process', async () => {
    const inSession = { ROLEPORT_URL: env.url, ROLEPORT_SESSION_DIR: join(home, 'session'), AWS_ENDPOINT_URL_STS: env.stsUrl };
    const bare = await runCli(['idp', 'token', '--audience', 'sts.amazonaws.com'], inSession);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(bare.stdout.trim().split('.').length, 3);
    const decoded = await runCli(['idp', 'token', '--audience', 'sts.amazonaws.com', '--decode', '--json'], inSession);
    const { header, claims } = JSON.parse(decoded.stdout) as { header: Record<string, unknown>; claims: Record<string, unknown> };
    assert.equal(header['alg'], 'RS256');
    assert.equal(claims['aud'], 'sts.amazonaws.com');
    assert.equal(claims['sub'], 'user:alice:role:111111111111:DataScientist');
    assert.equal(claims['iss'], env.url);
    const forReadOnly = await runCli(['idp', 'token', '--role-arn', RO, '--decode', '--json'], inSession);
    assert.equal(forReadOnly.code, 0, forReadOnly.stderr);
    assert.equal((JSON.parse(forReadOnly.stdout) as { claims: Record<string, unknown> }).claims['sub'], 'user:alice:role:222222222222:ReadOnly');

    const processOutput = await runCli(['credential-process', '--role-arn', RO], inSession);
    assert.equal(processOutput.code, 0, processOutput.stderr);
    const json = JSON.parse(processOutput.stdout) as Record<string, unknown>;
    assert.equal(json['Version'], 1);
    for (const key of ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']) assert.equal(typeof json[key], 'string', key);
    assert.ok(Date.parse(json['Expiration'] as string) > Date.now());

    // A role the local STS does not know (no trust policy accepts the token): STS refuses.
    const refused = await runCli(['credential-process', '--role-arn', 'arn:aws:iam::111111111111:role/NotThere'], inSession);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^roleport: STS \w+ in us-east-1: /);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
  });

  test('idp login aws writes the profile and keeps every other profile, comment and blank line', async () => {
    const awsDir = join(home, 'aws');
    const credentialsPath = join(awsDir, 'credentials');
    const configPath = join(awsDir, 'config');
    const credentialsBefore = '# personal keys\n[default]\naws_access_key_id = AKIAPERSONAL\naws_secret_access_key = personal\n\n; work\n[work]\naws_access_key_id=AKIAWORK\naws_secret_access_key=work\n';
    const configBefore = '[default]\nregion = eu-north-1\n\n# the work account\n[profile work]\nregion = ap-southeast-2\noutput = table\n';
    rmSync(awsDir, { recursive: true, force: true });
    mkdirSync(awsDir, { recursive: true });
    writeFileSync(credentialsPath, credentialsBefore, { mode: 0o644 });
    writeFileSync(configPath, configBefore, { mode: 0o644 });
    const inSession = { ROLEPORT_URL: env.url, ROLEPORT_SESSION_CREDENTIAL: credential, AWS_SHARED_CREDENTIALS_FILE: credentialsPath, AWS_CONFIG_FILE: configPath };
    const result = await runCli(['idp', 'login', 'aws', '--role-arn', DS, '--profile', 'roleport', '--duration-seconds', '1800', '--sts-endpoint', env.stsUrl, '--json'], inSession);
    assert.equal(result.code, 0, result.stderr);
    const credentialsAfter = readFileSync(credentialsPath, 'utf8');
    const configAfter = readFileSync(configPath, 'utf8');
    assert.ok(credentialsAfter.startsWith(`${credentialsBefore}\n[roleport]\naws_access_key_id = ASIA`), credentialsAfter);
    assert.ok(configAfter.startsWith(configBefore), configAfter);
    assert.match(configAfter.slice(configBefore.length), /^\n\[profile roleport\]\nregion = us-east-1\n$/);
    assert.equal(statSync(credentialsPath).mode & 0o777, 0o600);
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
    // The AWS CLI uses the written profile.
    const cli = await runProcess(AWS_CLI, ['sts', 'get-caller-identity', '--profile', 'roleport', '--endpoint-url', env.stsUrl, '--output', 'json'], awsEnv({ AWS_SHARED_CREDENTIALS_FILE: credentialsPath, AWS_CONFIG_FILE: configPath }));
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(JSON.parse(cli.stdout).Arn as string, /:assumed-role\/DataScientist\//);

    // Again with --credential-process: the static keys of that profile go (they would shadow
    // the process), the config gets the command, the other profiles stay untouched.
    const again = await runCli(['idp', 'login', 'aws', '--role-arn', DS, '--profile', 'roleport', '--sts-endpoint', env.stsUrl, '--credential-process'], inSession);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(credentialsPath, 'utf8'), `${credentialsBefore}\n[roleport]\n`);
    const processConfig = readFileSync(configPath, 'utf8');
    assert.ok(processConfig.startsWith(configBefore));
    assert.match(processConfig, /\[profile roleport\]\nregion = us-east-1\ncredential_process = .+ credential-process --role-arn arn:aws:iam::111111111111:role\/DataScientist --sts-endpoint http:\/\/127\.0\.0\.1:\d+\n$/);
    const viaProcess = await runProcess(
      AWS_CLI,
      ['sts', 'get-caller-identity', '--profile', 'roleport', '--endpoint-url', env.stsUrl, '--output', 'json'],
      awsEnv({ AWS_SHARED_CREDENTIALS_FILE: credentialsPath, AWS_CONFIG_FILE: configPath, ROLEPORT_URL: env.url, ROLEPORT_SESSION_CREDENTIAL: credential }),
    );
    assert.equal(viaProcess.code, 0, viaProcess.stderr);
    assert.match(JSON.parse(viaProcess.stdout).Arn as string, /:assumed-role\/DataScientist\//);
  });
  test('roleport run -- aws sts get-caller-identity prints the assumed role (container credentials and credential_process)', async () => {
    const runEnv = { ROLEPORT_CREDENTIALS_FILE: credentialsFile, AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'), AWS_EC2_METADATA_DISABLED: 'true' };
    for (const mode of ['--container-credentials', '--credential-process']) {
      const result = await runCli(['run', '--role', DS, mode, '--sts-endpoint', env.stsUrl, '--', AWS_CLI, 'sts', 'get-caller-identity', '--endpoint-url', env.stsUrl, '--output', 'json'], runEnv);
      assert.equal(result.code, 0, `${mode}: ${result.stderr}`);
      assert.match(JSON.parse(result.stdout).Arn as string, /^arn:aws:sts::111111111111:assumed-role\/DataScientist\/[\w+=,.@-]+$/, mode);
    }
  });

  test('SIGTERM stops the agent cleanly (exit 0); logout forgets the CLI token', async () => {
    const exited = new Promise<number | null>((resolve) => agentProcess!.once('exit', (code) => resolve(code)));
    agentProcess!.kill('SIGTERM');
    assert.equal(await exited, 0);
    const logout = await runCli(['logout', '--json'], { ROLEPORT_CREDENTIALS_FILE: credentialsFile });
    assert.equal(logout.code, 0);
    assert.equal(JSON.parse(logout.stdout).signed_out, true);
    assert.equal(readCliCredentials(credentialsFile), undefined);
  });
});
