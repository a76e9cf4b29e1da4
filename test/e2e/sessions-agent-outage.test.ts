import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { createAgent, type AgentEvent } from '../../src/agent/index.ts';
import { createBrokerClient } from '../../src/client/index.ts';
import { DS, eventually, startAgentEnv, type AgentEnv } from './sessions-agent-fixtures.ts';

/**
 * Outages mid-session, in real time with short tokens: the broker (and with it the local
 * STS) stops, then starts again on the same port and data; the company IdP stops answering a
 * viewer session's refresh. The agent must keep the last token in place until it expires,
 * back off, report it, and recover when the counterpart returns; its container endpoint must
 * keep serving the credentials it already holds.
 */
let env: AgentEnv;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-agent-outage-'));
  // IdP ID tokens of 20 s: every viewer refresh goes to the IdP.
  env = await startAgentEnv({ idpTtl: { idToken: 20 } });
  await env.signIn('alice');
});
after(async () => {
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = (events: AgentEvent[], type: string): number => events.filter((e) => e.type === 'token' && e.event.type === type).length;

async function callerArn(tokenFile: string, sessionName: string): Promise<string> {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: env.stsUrl,
    credentials: fromTokenFile({ webIdentityTokenFile: tokenFile, roleArn: DS, roleSessionName: sessionName, clientConfig: { region: 'us-east-1', endpoint: env.stsUrl } }),
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
  } finally {
    sts.destroy();
  }
}

test('the broker stops mid-session: the old token stays until it expires, container credentials keep being served, refresh recovers', async () => {
  const userToken = await env.userToken('alice');
  const client = createBrokerClient({ baseUrl: env.url, timeoutMs: 2000 });
  const started = await client.startSession(userToken, { roles: [DS], tokenTtlSeconds: 20 });
  const events: AgentEvent[] = [];
  const agent = createAgent({
    client,
    stsEndpoint: env.stsUrl,
    containerCredentials: { requestTimeoutMs: 2000 },
    backoff: { initialMs: 500, maxMs: 4000 },
    pollIntervalMs: 0,
    onEvent: (event) => events.push(event),
  });
  try {
    const session = await agent.addSession({ credential: started.credential, dir: join(dir, 'broker-outage') });
    const environment = session.environment();
    const authorization = readFileSync(environment['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']!, 'utf8');
    const containerCredentials = async (): Promise<{ status: number; body: Record<string, string> }> => {
      const response = await fetch(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI']!, { headers: { authorization } });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const before = await eventually('container credentials', async () => {
      const answer = await containerCredentials();
      return answer.status === 200 ? answer.body : undefined;
    });
    const oldToken = readFileSync(session.layout.tokenFile, 'utf8');

    await env.stopBroker();
    await eventually('a failed refresh', () => (count(events, 'failed') >= 1 ? true : undefined));
    assert.equal(readFileSync(session.layout.tokenFile, 'utf8'), oldToken);
    assert.equal(session.status().token.state, 'retrying');
    assert.deepEqual((await containerCredentials()).body, before);

    // The 20-second token expires during the outage: it stays on disk, the state says so.
    await eventually('the token to expire', () => (count(events, 'expired') >= 1 ? true : undefined));
    assert.equal(readFileSync(session.layout.tokenFile, 'utf8'), oldToken);
    assert.equal(session.status().token.state, 'expired');
    assert.ok(session.status().token.consecutiveFailures >= 2);
    // The container endpoint still serves the (hour-long) credentials it holds.
    const during = await containerCredentials();
    assert.equal(during.status, 200);
    assert.deepEqual(during.body, before);
    assert.ok(Date.parse(during.body['Expiration']!) > Date.now());

    await env.startBroker();
    await eventually('a refresh after the outage', () => (session.status().token.state === 'fresh' ? true : undefined));
    const newToken = readFileSync(session.layout.tokenFile, 'utf8');
    assert.notEqual(newToken, oldToken);
    assert.equal(session.status().token.consecutiveFailures, 0);
    assert.equal(await callerArn(session.layout.tokenFile, started.session.roles[0]!.sessionName), `arn:aws:sts::111111111111:assumed-role/DataScientist/${started.session.roles[0]!.sessionName}`);
  } finally {
    await agent.close();
    await env.startBroker();
  }
});

test('the IdP stops answering a viewer session: temporarily_unavailable is retried until it returns', async () => {
  const userToken = await env.userToken('alice');
  const client = createBrokerClient({ baseUrl: env.url, timeoutMs: 5000 });
  const started = await client.startSession(userToken, { roles: [DS], tokenSource: 'viewer' });
  const events: AgentEvent[] = [];
  const agent = createAgent({ client, stsEndpoint: env.stsUrl, backoff: { initialMs: 500, maxMs: 4000 }, pollIntervalMs: 0, onEvent: (event) => events.push(event) });
  try {
    const session = await agent.addSession({ credential: started.credential, dir: join(dir, 'idp-outage') });
    const first = readFileSync(session.layout.tokenFile, 'utf8');
    const claims = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()) as { iss: string };
    assert.equal(claims.iss, env.idp.issuer);

    env.idp.setOutage('down');
    const failed = await eventually('a failed refresh', () => events.find((e) => e.type === 'token' && e.event.type === 'failed'));
    assert.ok(failed.type === 'token' && failed.event.type === 'failed');
    if (failed.type === 'token' && failed.event.type === 'failed') assert.match(String(failed.event.error), /temporarily_unavailable/);
    assert.equal(readFileSync(session.layout.tokenFile, 'utf8'), first);
    await eventually('a second failure (backing off)', () => (count(events, 'failed') >= 2 ? true : undefined));

    env.idp.setOutage('none');
    await eventually('recovery', () => (session.status().token.state === 'fresh' && count(events, 'refreshed') >= 2 ? true : undefined));
    const renewed = readFileSync(session.layout.tokenFile, 'utf8');
    assert.notEqual(renewed, first);
    assert.equal(await callerArn(session.layout.tokenFile, started.session.roles[0]!.sessionName), `arn:aws:sts::111111111111:assumed-role/DataScientist/${started.session.roles[0]!.sessionName}`);
  } finally {
    env.idp.setOutage('none');
    await agent.close();
  }
});
