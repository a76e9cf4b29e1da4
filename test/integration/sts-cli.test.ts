import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ROLEPORT_BIN, runCli } from '../helpers/run-cli.ts';
import { postQuery, startStsBroker, xmlText, type StsBroker } from './sts-fixture.ts';

/**
 * `roleport sts provider|role add|list|remove` on a data directory (exit 0, JSON with
 * --json, exit 2 naming the bad input, nothing changed), `roleport sts serve`, and the STS
 * that `roleport dev` starts with its demo roles.
 */
const ROLE = 'arn:aws:iam::111111111111:role/Analyst';

interface Served {
  child: ChildProcessWithoutNullStreams;
  first: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts a long-running command that prints one JSON line once ready. */
async function serve(args: string[], env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [ROLEPORT_BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  if (next.done === true) throw new Error(`roleport ${args.join(' ')} exited before printing: ${stderr}`);
  try {
    return { child, first: JSON.parse(next.value) as Record<string, string>, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe('roleport sts provider|role', () => {
  let dir: string;
  let env: Record<string, string>;
  let policyFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-cli-'));
    env = { ROLEPORT_DATA_DIR: join(dir, 'data') };
    policyFile = join(dir, 'trust.json');
    await writeFile(
      policyFile,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/idp.example.com' }, Action: 'sts:AssumeRoleWithWebIdentity' },
      }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('provider add, list and remove', async () => {
    const added = await runCli(['sts', 'provider', 'add', '--url', 'https://idp.example.com/', '--client-id', 'sts.amazonaws.com', '--client-id', 'other', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(JSON.parse(added.stdout), {
      change: 'added',
      provider: { url: 'https://idp.example.com', arn: 'arn:aws:iam::123456789012:oidc-provider/idp.example.com', client_ids: ['sts.amazonaws.com', 'other'], thumbprints: [], source: 'database' },
    });
    const again = await runCli(['sts', 'provider', 'add', '--url', 'https://idp.example.com', '--client-id', 'sts.amazonaws.com'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'updated provider https://idp.example.com (client IDs: sts.amazonaws.com)');

    const listed = await runCli(['sts', 'provider', 'list', '--json'], env);
    assert.deepEqual((JSON.parse(listed.stdout) as { providers: Array<{ url: string; client_ids: string[] }> }).providers.map((p) => [p.url, p.client_ids]), [['https://idp.example.com', ['sts.amazonaws.com']]]);
    const text = await runCli(['sts', 'provider', 'list'], env);
    assert.match(text.stdout, /^URL\s+CLIENT IDS\s+THUMBPRINTS\s+SOURCE\nhttps:\/\/idp\.example\.com\s+sts\.amazonaws\.com\s+-\s+database\n$/);

    const removed = await runCli(['sts', 'provider', 'remove', '--url', 'https://idp.example.com'], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse((await runCli(['sts', 'provider', 'list', '--json'], env)).stdout), { providers: [] });
  });

  test('role add, list and remove', async () => {
    const added = await runCli(['sts', 'role', 'add', '--arn', ROLE, '--trust-policy', policyFile, '--max-session-duration', '7200', '--tag', 'team=data', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const role = (JSON.parse(added.stdout) as { role: Record<string, unknown> }).role;
    assert.equal(role['arn'], ROLE);
    assert.equal(role['max_session_duration'], 7200);
    assert.deepEqual(role['tags'], { team: 'data' });
    assert.match(role['role_id'] as string, /^AROA[A-Z2-7]{17}$/);

    const listed = await runCli(['sts', 'role', 'list'], env);
    assert.match(listed.stdout, new RegExp(`^ARN\\s+MAX SESSION\\s+SOURCE\\n${ROLE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+7200s\\s+database\\n$`));
    const removed = await runCli(['sts', 'role', 'remove', '--arn', ROLE, '--json'], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(removed.stdout), { removed: ROLE });
  });

  const badInput: Array<{ name: string; args: () => string[]; message: RegExp }> = [
    { name: 'a provider URL that is not http(s)', args: () => ['sts', 'provider', 'add', '--url', 'ftp://idp.example.com', '--client-id', 'x'], message: /provider url "ftp:\/\/idp\.example\.com" must be an https:\/\// },
    { name: 'a provider URL with a query', args: () => ['sts', 'provider', 'add', '--url', 'https://idp.example.com/?a=b', '--client-id', 'x'], message: /must not have a query or fragment/ },
    { name: 'a bad thumbprint', args: () => ['sts', 'provider', 'add', '--url', 'https://idp.example.com', '--client-id', 'x', '--thumbprint', 'abc'], message: /thumbprint "abc" must be 40 hex digits/ },
    { name: 'no client ID', args: () => ['sts', 'provider', 'add', '--url', 'https://idp.example.com'], message: /--client-id/ },
    { name: 'a role ARN that is not one', args: () => ['sts', 'role', 'add', '--arn', 'arn:aws:iam::111111111111:user/alice', '--trust-policy', policyFile], message: /^roleport: --arn arn:aws:iam::111111111111:user\/alice: not a role ARN/ },
    { name: 'a trust policy file that does not exist', args: () => ['sts', 'role', 'add', '--arn', ROLE, '--trust-policy', join(dir, 'missing.json')], message: /--trust-policy .*missing\.json: cannot read it \(ENOENT\)/ },
    { name: 'a max session duration over 12 hours', args: () => ['sts', 'role', 'add', '--arn', ROLE, '--trust-policy', policyFile, '--max-session-duration', '50000'], message: /--max-session-duration 50000: expected whole seconds from 3600/ },
    { name: 'removing a role nobody added', args: () => ['sts', 'role', 'remove', '--arn', ROLE], message: /no role is registered with ARN arn:aws:iam::111111111111:role\/Analyst/ },
  ];
  for (const { name, args, message } of badInput) {
    test(`${name} → exit 2 naming it, nothing changed`, async () => {
      const result = await runCli(args(), env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.deepEqual(JSON.parse((await runCli(['sts', 'role', 'list', '--json'], env)).stdout), { roles: [] });
    });
  }

  test('a malformed trust policy → exit 2 with MalformedPolicyDocument naming the element', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'x' }, Action: 'sts:AssumeRoleWithWebIdentity', Resource: '*' }] }));
    const result = await runCli(['sts', 'role', 'add', '--arn', ROLE, '--trust-policy', bad], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--trust-policy .*bad\.json: MalformedPolicyDocument: Statement\[0\]: has prohibited field Resource/);
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{"Statement": [');
    const unparsable = await runCli(['sts', 'role', 'add', '--arn', ROLE, '--trust-policy', notJson], env);
    assert.equal(unparsable.code, 2);
    assert.match(unparsable.stderr, /MalformedPolicyDocument: policy is not valid JSON/);
  });
});

describe('roleport sts serve', () => {
  let dir: string;
  let served: Served | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-serve-'));
  });
  after(async () => {
    await served?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('runs only the STS on 127.0.0.1 and answers the Query protocol at /', async () => {
    served = await serve(['sts', 'serve', '--port', '0', '--json'], { ROLEPORT_DATA_DIR: join(dir, 'data') });
    const url = served.first['sts']!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const result = await postQuery(url, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.equal(result.code, 'MissingAuthenticationToken');
    assert.equal((await fetch(`${url}/.well-known/openid-configuration`)).status, 404, 'no broker routes');
  });
});

describe('the STS of roleport dev', () => {
  let dir: string;
  let dev: Served | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-dev-'));
    dev = await serve(['dev', '--port', '0', '--json', '--data-dir', join(dir, 'data')], {});
  });
  after(async () => {
    await dev?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('prints sts, and trusts the dev issuer for the two demo roles', async () => {
    const { issuer, sts } = dev!.first as { issuer: string; sts: string };
    assert.match(sts, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(sts, issuer);
    const env = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: issuer };
    for (const [arn, account, name] of [
      ['arn:aws:iam::111111111111:role/DataScientist', '111111111111', 'DataScientist'],
      ['arn:aws:iam::222222222222:role/ReadOnly', '222222222222', 'ReadOnly'],
    ] as const) {
      // The demo roles pin the role in :sub (the generated trust policy): a token per role, as sessions get them.
      const minted = await runCli(['token', 'mint', '--sub', `user:alice:role:${account}:${name}`, '--aud', 'sts.amazonaws.com'], env);
      assert.equal(minted.code, 0, minted.stderr);
      const token = minted.stdout.trim();
      const result = await postQuery(sts, { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: arn, RoleSessionName: 'alice', WebIdentityToken: token });
      assert.equal(result.status, 200, result.body);
      assert.equal(xmlText(result.body, 'Provider'), `arn:aws:iam::${account}:oidc-provider/${issuer.replace('http://', '')}`);
      const identity = await new STSClient({
        region: 'us-east-1',
        endpoint: sts,
        credentials: { accessKeyId: xmlText(result.body, 'AccessKeyId')!, secretAccessKey: xmlText(result.body, 'SecretAccessKey')!, sessionToken: xmlText(result.body, 'SessionToken')! },
      }).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, `arn:aws:sts::${account}:assumed-role/${name}/alice`);
    }
    // Registered in the database, so the admin commands on the data directory see them.
    const providers = JSON.parse((await runCli(['sts', 'provider', 'list', '--json'], env)).stdout) as { providers: Array<{ url: string }> };
    assert.deepEqual(providers.providers.map((p) => p.url), [issuer]);
    const roles = JSON.parse((await runCli(['sts', 'role', 'list', '--json'], env)).stdout) as { roles: Array<{ arn: string }> };
    assert.deepEqual(roles.roles.map((r) => r.arn), ['arn:aws:iam::111111111111:role/DataScientist', 'arn:aws:iam::222222222222:role/ReadOnly']);

    const unbound = await runCli(['token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com'], env);
    const refusedUnbound = await postQuery(sts, { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::111111111111:role/DataScientist', RoleSessionName: 'alice', WebIdentityToken: unbound.stdout.trim() });
    assert.equal(refusedUnbound.code, 'AccessDenied', 'a subject that names no role is refused');
    const bot = await runCli(['token', 'mint', '--sub', 'service:bot', '--aud', 'sts.amazonaws.com'], env);
    const refused = await postQuery(sts, { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::111111111111:role/DataScientist', RoleSessionName: 'bot', WebIdentityToken: bot.stdout.trim() });
    assert.equal(refused.code, 'AccessDenied');
  });
});

describe('round trip: a generated trust policy, loaded into the local STS', () => {
  let sts: StsBroker;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-roundtrip-'));
    sts = await startStsBroker({ register: false });
  });
  after(async () => {
    await sts?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('accepts the tokens Roleport mints for the intended subjects and refuses others', async () => {
    const env = { ROLEPORT_DATA_DIR: sts.broker.dataDir, ROLEPORT_ISSUER: sts.issuer };
    const arn = 'arn:aws:iam::444444444444:role/Pipelines';
    const generated = await runCli(['aws', 'trust-policy', '--role-name', 'Pipelines', '--account', '444444444444', '--sub-like', 'user:alice', 'user:team-*', '--session-tags'], env);
    assert.equal(generated.code, 0, generated.stderr);
    const policyFile = join(dir, 'trust.json');
    await writeFile(policyFile, generated.stdout);
    for (const args of [
      ['sts', 'provider', 'add', '--url', sts.issuer, '--client-id', 'sts.amazonaws.com'],
      ['sts', 'role', 'add', '--arn', arn, '--trust-policy', policyFile],
    ]) {
      const result = await runCli(args, env);
      assert.equal(result.code, 0, result.stderr);
    }
    const attempt = async (subject: string, claims: Record<string, unknown> = {}): Promise<string> => {
      const result = await postQuery(sts.stsUrl, { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: arn, RoleSessionName: 's1', WebIdentityToken: (await sts.mint(subject, claims)) });
      return result.status === 200 ? 'allowed' : (result.code ?? String(result.status));
    };
    // The registry is re-read at most every two seconds; the CLI wrote it from another process.
    const deadline = Date.now() + 5000;
    while ((await attempt('user:alice')) !== 'allowed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await attempt('user:alice'), 'allowed');
    assert.equal(await attempt('user:team-data'), 'allowed');
    assert.equal(await attempt('user:team-data', { 'https://aws.amazon.com/tags': { principal_tags: { team: ['data'] } } }), 'allowed', '--session-tags allows sts:TagSession');
    assert.equal(await attempt('user:bob'), 'AccessDenied');
    assert.equal(await attempt('service:alice'), 'AccessDenied');
  });
});
