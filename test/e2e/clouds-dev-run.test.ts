import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GoogleAuth } from 'google-auth-library';
import { createBrokerClient, parseEnvFile, readCliCredentials } from '../../src/client/index.ts';
import { nextDevLine, startDev, stopDev, type DevProcess } from '../helpers/dev-process.ts';
import { ROLEPORT_BIN, runCli } from '../helpers/run-cli.ts';
import { confirmCliLogin, DS, RO } from '../integration/sessions-fixtures.ts';
import { signInThroughDemoIdp } from '../integration/sso-fixtures.ts';
import { eventually } from './sessions-agent-fixtures.ts';

/**
 * Issue 15's "done means", as a newcomer does it: `roleport dev`, one sign-in through its demo
 * IdP (`roleport login`), then one `roleport run --role … --gcp … --azure … -- COMMAND` whose
 * command gets working AWS, Google and Azure credentials from the three clouds' own client
 * libraries, unchanged, configured only by the environment — against dev's local STS, local
 * Google STS and local Entra endpoint (TLS, dev CA in the data directory). The cloud answers
 * name the session's user and target; a user who was not granted a target or a service
 * account gets nothing for it.
 */
const CHILD = new URL('../helpers/clouds-run-child.ts', import.meta.url).pathname;
const AZURE_CHILD = new URL('../helpers/azure-identity-child.ts', import.meta.url).pathname;
const DEPLOYER = 'deployer@roleport-demo.iam.gserviceaccount.com';

interface Endpoints {
  issuer: string;
  sts: string;
  web: string;
  gcp: string;
  azure: string;
  ca: string;
}

describe('roleport dev: one roleport run with AWS, Google and Azure credentials', () => {
  let dir: string;
  let dev: DevProcess;
  let endpoints: Endpoints;
  const homes = new Map<string, string>();

  /** `roleport login` as a user signed in through the demo IdP in their browser: the CLI's credentials file in the user's home. */
  async function login(username: string): Promise<string> {
    const home = join(dir, username);
    await mkdir(home, { recursive: true });
    const jar = await signInThroughDemoIdp(endpoints.web, username, username);
    const child = spawn(process.execPath, [ROLEPORT_BIN, 'login', '--url', endpoints.web, '--no-browser', '--json'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ROLEPORT_CREDENTIALS_FILE: join(home, 'credentials.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const loginUrl = await eventually('the login URL', () => /(http:\/\/\S+\/cli\/login\?\S+)/.exec(stderr)?.[1]);
    const userCode = await eventually('the user code', () => /must show the code ([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1]);
    const toCli = await confirmCliLogin(jar, loginUrl, userCode);
    assert.equal(toCli.status, 303);
    await (await fetch(toCli.headers.get('location')!)).text();
    assert.equal(await exited, 0, stderr);
    assert.equal(readCliCredentials(join(home, 'credentials.json'))?.username, username);
    homes.set(username, home);
    return home;
  }

  /** `roleport run ARGS -- node clouds-run-child.ts CHILD_ARGS` as `username`, trusting the dev CA. */
  const run = (username: string, args: string[], childArgs: string[] = []) => {
    const home = homes.get(username)!;
    return runCli(['run', ...args, '--', process.execPath, CHILD, ROLEPORT_BIN, ...childArgs], {
      HOME: home,
      TMPDIR: home,
      ROLEPORT_CREDENTIALS_FILE: join(home, 'credentials.json'),
      NODE_EXTRA_CA_CERTS: endpoints.ca,
    });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-clouds-dev-'));
    dev = startDev(['--port', '0', '--json', '--data-dir', join(dir, 'data')]);
    endpoints = JSON.parse(await nextDevLine(dev)) as Endpoints;
    await login('alice');
    await login('bob');
  });
  after(async () => {
    if (dev !== undefined) await stopDev(dev);
    await rm(dir, { recursive: true, force: true });
  });

  test('dev prints its local Google STS (http) and local Entra endpoint (https) and the dev CA that Entra\'s certificate chains to', async () => {
    assert.match(endpoints.gcp, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(endpoints.azure, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(endpoints.ca, join(dir, 'data', 'dev-ca', 'ca.pem'));
    const ports = new Set([endpoints.web, endpoints.sts, endpoints.gcp, endpoints.azure].map((url) => new URL(url).port));
    assert.equal(ports.size, 4, 'each listener has a port of its own');
    assert.equal((await stat(join(dir, 'data', 'dev-ca', 'entra.key'))).mode & 0o777, 0o600);
    // A client that trusts only the dev CA reaches the Entra listener: its openid-configuration names it.
    const ca = await readFile(endpoints.ca);
    assert.ok(new X509Certificate(ca).ca);
    const discovery = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${endpoints.azure}/00000000-0000-4000-8000-00000000de70/v2.0/.well-known/openid-configuration`, { ca }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(discovery.status, 200, discovery.body);
    assert.match((JSON.parse(discovery.body) as { token_endpoint: string }).token_endpoint, new RegExp(`^${endpoints.azure}/`));
  });

  test("alice's command gets AWS, Google (direct and impersonated) and Azure tokens for her, and idp token gives each target's token", async () => {
    const result = await run('alice', ['--role', DS, '--gcp', 'analytics', '--gcp', 'deployer', '--azure', 'analytics', '--sts-endpoint', endpoints.sts, '--region', 'us-east-1']);
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, Record<string, unknown>>;
    // AWS: the role's session.
    assert.equal(seen['aws']!['ok'], true, JSON.stringify(seen['aws']));
    assert.match(String(seen['aws']!['arn']), /^arn:aws:sts::111111111111:assumed-role\/DataScientist\//);
    // Google: GOOGLE_APPLICATION_CREDENTIALS is the first target's external_account file, for the local Google STS.
    assert.equal(seen['gcp']!['ok'], true, JSON.stringify(seen['gcp']));
    assert.match(String(seen['gcp']!['token']), /^ya29\./);
    assert.equal(seen['gcp']!['sub'], 'user:alice:gcp:analytics');
    assert.ok(String(seen['gcp']!['url']).startsWith(`${endpoints.gcp}/v1/token`), String(seen['gcp']!['url']));
    assert.equal(seen['deployer']!['ok'], true, JSON.stringify(seen['deployer']));
    assert.match(String(seen['deployer']!['token']), /^ya29\./);
    assert.equal(seen['deployer']!['sub'], 'user:alice:gcp:deployer');
    assert.match(String(seen['deployer']!['url']), new RegExp(`serviceAccounts/${DEPLOYER.replaceAll('.', '\\.')}:generateAccessToken$`));
    // Azure: WorkloadIdentityCredential from the AZURE_* variables, against the local Entra over TLS.
    assert.equal(seen['azure']!['ok'], true, JSON.stringify(seen['azure']));
    assert.ok(String(seen['azure']!['token']).length > 20);
    assert.equal(seen['azure']!['sub'], 'user:alice:azure:analytics');
    assert.equal(seen['files']!['authority'], endpoints.azure);
    assert.equal(seen['files']!['tenant'], '00000000-0000-4000-8000-00000000de70');
    // roleport idp token: --gcp names a target; an audience alone picks the one target that has it, and asks to name one when two share it.
    const idp = seen['idp'] as Record<string, { claims: Record<string, unknown>; status?: number; stderr?: string }>;
    assert.equal(idp['analytics']!.claims['sub'], 'user:alice:gcp:analytics', JSON.stringify(idp['analytics']));
    assert.equal(idp['analytics']!.claims['aud'], '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/roleport-dev/providers/broker');
    assert.equal(idp['analytics']!.claims['roleport_target'], 'analytics');
    assert.equal(idp['deployer']!.claims['sub'], 'user:alice:gcp:deployer');
    assert.equal(idp['azure']!.claims['sub'], 'user:alice:azure:analytics', JSON.stringify(idp['azure']));
    assert.equal(idp['azure']!.claims['aud'], 'api://AzureADTokenExchange');
    assert.equal(idp['gcpAudience']!.status, 2);
    assert.match(String(idp['gcpAudience']!.stderr), /several of the session's targets take audience .*name one \(resource=gcp:analytics or resource=gcp:deployer\)/);
    // The session's files are gone with the session.
    await assert.rejects(stat(String(seen['files']!['gcp'])), { code: 'ENOENT' });
  });

  test('short-lived tokens: the agent rotates the Google and Azure token files, and both clients keep getting tokens from each new one', async () => {
    // 60 s, the shortest lifetime run takes: the agent rotates at 80 %, so two tokens in about 50 s.
    const result = await run('alice', ['--role', DS, '--gcp', 'analytics', '--azure', 'analytics', '--ttl', '60'], ['refresh', '2']);
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout.trim().split('\n').pop()!) as { distinct: { gcp: number; azure: number }; calls: Array<{ cloud: string; ok: boolean; token?: string; message?: string }> };
    assert.deepEqual(seen.distinct, { gcp: 2, azure: 2 }, JSON.stringify(seen));
    for (const call of seen.calls) assert.equal(call.ok, true, JSON.stringify(call));
    assert.equal(seen.calls.filter((call) => call.cloud === 'gcp' && /^ya29\./.test(call.token ?? '')).length, 2);
    assert.equal(seen.calls.filter((call) => call.cloud === 'azure').length, 2);
  });

  test("roleport agent: its env file and each target's files serve google-auth-library and WorkloadIdentityCredential", async () => {
    const home = homes.get('alice')!;
    const stored = readCliCredentials(join(home, 'credentials.json'))!;
    const started = await createBrokerClient({ baseUrl: endpoints.web }).startSession(stored.token, { roles: [DS], gcpTargets: ['deployer'], azureTargets: ['analytics'] });
    const credentialFile = join(home, 'agent-credential');
    await writeFile(credentialFile, started.credential, { mode: 0o600 });
    const agent = spawn(process.execPath, [ROLEPORT_BIN, 'agent', '--session-credential-file', credentialFile, '--dir', join(home, 'agent-session'), '--json'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ROLEPORT_URL: endpoints.web },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    agent.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise((resolve) => agent.once('exit', resolve));
    try {
      const summary = await eventually('the agent to be ready', () => (stdout.includes('\n') ? (JSON.parse(stdout) as { env_file: string; gcp_files: Record<string, { token_file: string; config_file: string }>; azure_token_files: Record<string, string> }) : undefined));
      const gcp = summary.gcp_files['deployer']!;
      for (const file of [gcp.token_file, gcp.config_file, summary.azure_token_files['analytics']!]) assert.equal((await stat(file)).mode & 0o777, 0o600, file);
      const env = parseEnvFile(await readFile(summary.env_file, 'utf8'));
      assert.equal(env['GOOGLE_APPLICATION_CREDENTIALS'], gcp.config_file);
      assert.equal(env['AZURE_FEDERATED_TOKEN_FILE'], summary.azure_token_files['analytics']);
      // Google: the configuration the env file names, as any process that sources it would load it.
      const client = await new GoogleAuth({ keyFilename: env['GOOGLE_APPLICATION_CREDENTIALS']!, scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient();
      const { token, res } = await client.getAccessToken();
      assert.match(token ?? '', /^ya29\./);
      assert.match(String(res?.config.url), /:generateAccessToken$/);
      // Azure: a process started with the env file's AZURE_* variables and the dev CA.
      const azureEnv = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('AZURE_')));
      const { stdout: answer } = await promisify(execFile)(process.execPath, [AZURE_CHILD, 'no-instance-discovery'], { env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: endpoints.ca, ...azureEnv }, timeout: 60_000 });
      const azure = JSON.parse(answer.trim().split('\n').pop()!) as { ok: boolean; token?: string; message?: string };
      assert.equal(azure.ok, true, azure.message);
      assert.ok((azure.token ?? '').length > 20);
    } finally {
      agent.kill('SIGTERM');
      await exited;
    }
  });

  test('bob, who holds only the analytics targets, cannot start a session with deployer, nor impersonate its service account', async () => {
    const refused = await run('bob', ['--role', RO, '--gcp', 'deployer']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /bob does not hold the GCP target "deployer"/);
    // Bob's own analytics token, in an external_account file pointed at the deployer service account: Google says no.
    const forged = await run('bob', ['--role', RO, '--gcp', 'analytics', '--azure', 'analytics', '--sts-endpoint', endpoints.sts], ['impersonate', DEPLOYER]);
    assert.equal(forged.code, 0, forged.stderr);
    const impersonated = (JSON.parse(forged.stdout.trim().split('\n').pop()!) as { impersonated: { ok: boolean; status?: number; data?: { error?: { status?: string } } } }).impersonated;
    assert.equal(impersonated.ok, false);
    assert.equal(impersonated.status, 403, JSON.stringify(impersonated));
    assert.equal(impersonated.data?.error?.status, 'PERMISSION_DENIED');
  });
});
