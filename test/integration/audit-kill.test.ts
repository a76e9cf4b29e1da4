/**
 * No token leaves without its audit row (issue 10, item 7), tested the way the loss was
 * found: a real `roleport serve` process under token load — agents' `POST /oauth/token` and
 * the local STS's `AssumeRoleWithWebIdentity` — is killed with SIGKILL mid-load. The load
 * generator keeps the `jti` of every token and the access key ID of every credential it
 * received; after a restart each one has its audit row. (Before durable audit, events waited
 * 250 ms in memory and the last of them died with the process.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createServices, type Services } from '../../src/services.ts';
import { freePort } from '../helpers/ports.ts';
import { testPostgresUrl } from '../helpers/postgres.ts';
import { ROLEPORT_BIN } from '../helpers/run-cli.ts';
import { CREDENTIAL_TYPE, DS, EXCHANGE } from './sessions-fixtures.ts';

const SESSIONS = 20;
const CONNECTIONS = 12;
/** The kill lands, mid-flight, once the clients hold this many tokens and credentials (however loaded the machine). */
const TOKENS_BEFORE_KILL = 300;
const CREDENTIALS_BEFORE_KILL = 50;
const MAX_LOAD_MS = 120_000;

interface Handed {
  jtis: string[];
  accessKeyIds: string[];
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`kill -9 under token load (${backend})`, () => {
    test('every token and every credential the clients received has its audit row after a restart', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'roleport-kill-'));
      try {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const settings = {
          listen: `127.0.0.1:${port}`,
          issuer: url,
          dataDir: dir,
          ...(backend === 'postgres' ? { databaseUrl: await testPostgresUrl() } : {}),
          log: { level: 'warn' },
          keys: { rotationIntervalSeconds: 0 },
          sts: { enabled: true },
        };
        const configFile = join(dir, 'roleport.yaml');
        await writeFile(configFile, JSON.stringify(settings));
        const { credentials, stsToken } = await prepare(loadConfig({ env: {}, overrides: settings }), url);

        let broker = startBroker(configFile);
        try {
          await waitReady(url, broker);
          const handed = await loadAndKill(url, credentials, stsToken, broker.child);
          assert.ok(handed.jtis.length >= TOKENS_BEFORE_KILL, `only ${handed.jtis.length} tokens were handed out before the kill`);
          assert.ok(handed.accessKeyIds.length >= CREDENTIALS_BEFORE_KILL, `only ${handed.accessKeyIds.length} credentials were handed out before the kill`);

          broker = startBroker(configFile);
          await waitReady(url, broker);
          const audited = await auditedAfterRestart(loadConfig({ env: {}, overrides: settings }), handed);
          assert.deepEqual(audited.missingJtis, [], `${audited.missingJtis.length} of ${handed.jtis.length} tokens have no token.minted row`);
          assert.deepEqual(audited.missingKeys, [], `${audited.missingKeys.length} of ${handed.accessKeyIds.length} credentials have no sts.role_assumed row`);
        } finally {
          await stop(broker.child);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

/** Alice with a role, SESSIONS sessions, the broker's issuer as a provider of its own STS, and a token for it. */
async function prepare(config: ReturnType<typeof loadConfig>, issuer: string): Promise<{ credentials: string[]; stsToken: string }> {
  const services = await createServices(config);
  try {
    await services.users.setRoleArns('alice', [DS], 'test');
    const credentials: string[] = [];
    for (let i = 0; i < SESSIONS; i++) credentials.push((await services.sessions.start({ userName: 'alice', roles: [DS], tokenTtlSeconds: 600, by: { name: 'test', admin: true } })).credential);
    const prefix = issuer.replace(/^https?:\/\//, '');
    await services.sts.registry.addProvider({ url: issuer, clientIds: ['sts.amazonaws.com'] });
    await services.sts.registry.addRole({
      arn: DS,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${prefix}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${prefix}:aud`]: 'sts.amazonaws.com' } } }],
      },
    });
    const stsToken = (await services.mintToken({ subject: 'user:alice', audience: 'sts.amazonaws.com', ttlSeconds: 3600, actor: 'test' })).token;
    return { credentials, stsToken };
  } finally {
    await services.close();
  }
}

interface BrokerProcess {
  child: ChildProcess;
  stderr: () => string;
}

function startBroker(configFile: string): BrokerProcess {
  const child = spawn(process.execPath, [ROLEPORT_BIN, 'serve', '--config', configFile], { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { child, stderr: () => stderr };
}

async function waitReady(url: string, broker: BrokerProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (broker.child.exitCode !== null) assert.fail(`the broker exited with ${broker.child.exitCode}: ${broker.stderr()}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the broker was not ready within 30 s: ${broker.stderr()}`);
}

/**
 * CONNECTIONS clients loop on the two endpoints and keep what they were handed; SIGKILL lands
 * once they hold enough, while requests are in flight. A request cut off by the kill handed
 * nothing out.
 */
async function loadAndKill(url: string, credentials: string[], stsToken: string, child: ChildProcess): Promise<Handed> {
  const handed: Handed = { jtis: [], accessKeyIds: [] };
  let next = 0;
  let killed = false;
  const exchange = async (): Promise<void> => {
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: credentials[next++ % credentials.length]!, subject_token_type: CREDENTIAL_TYPE }).toString(),
    });
    const body = (await response.json()) as { access_token?: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    const payload = JSON.parse(Buffer.from(body.access_token!.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string };
    handed.jtis.push(payload.jti);
  };
  const assume = async (): Promise<void> => {
    const response = await fetch(`${url}/sts`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: DS, RoleSessionName: 'alice', WebIdentityToken: stsToken }).toString(),
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    handed.accessKeyIds.push(/<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(text)![1]!);
  };
  const client = async (index: number): Promise<void> => {
    while (!killed) {
      try {
        await (index % 3 === 2 ? assume() : exchange());
      } catch (error) {
        // Once the process is gone, connections fail: that client is done.
        if (killed) return;
        throw error;
      }
    }
  };
  const clients = Array.from({ length: CONNECTIONS }, (_, index) => client(index));
  const started = Date.now();
  while ((handed.jtis.length < TOKENS_BEFORE_KILL || handed.accessKeyIds.length < CREDENTIALS_BEFORE_KILL) && Date.now() - started < MAX_LOAD_MS) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killed = true;
  child.kill('SIGKILL');
  await exited;
  await Promise.all(clients);
  return handed;
}

async function auditedAfterRestart(config: ReturnType<typeof loadConfig>, handed: Handed): Promise<{ missingJtis: string[]; missingKeys: string[] }> {
  const services: Services = await createServices(config);
  try {
    const { db } = services.store;
    const minted = new Set((await db.selectFrom('audit_events').select('jti').where('type', '=', 'token.minted').execute()).map((row) => row.jti));
    const assumed = new Set(
      (await db.selectFrom('audit_events').select('details').where('type', '=', 'sts.role_assumed').execute()).map((row) => (JSON.parse(row.details ?? '{}') as { accessKeyId?: string }).accessKeyId),
    );
    return { missingJtis: handed.jtis.filter((jti) => !minted.has(jti)), missingKeys: handed.accessKeyIds.filter((id) => !assumed.has(id)) };
  } finally {
    await services.close();
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
