import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { createAgent, type AgentEvent } from '../../src/agent/index.ts';
import { BrokerClientError, createBrokerClient } from '../../src/client/index.ts';
import { runCli } from '../helpers/run-cli.ts';
import { ANALYST, DS, RO, eventually, startAgentEnv, type AgentEnv } from './sessions-agent-fixtures.ts';

/**
 * Ends of a session as the agent meets them, against the real broker: an admin revokes it
 * (the next refresh gets invalid_grant, refresh stops, the file goes when the token expires,
 * the container endpoint stops handing out credentials), the user ends it (the agent's poll
 * notices), and hostile or mistaken input: a credential stitched from two sessions, a role
 * outside the session, a token request with a wrong subject token type.
 */
let env: AgentEnv;
let dir: string;
let aliceToken: string;
let bobToken: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-agent-revocation-'));
  env = await startAgentEnv({ admins: ['bob'] });
  await env.signIn('alice');
  await env.signIn('bob');
  aliceToken = await env.userToken('alice');
  bobToken = await env.userToken('bob');
});
after(async () => {
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('revocation and ending', () => {
  test('an admin revokes: invalid_grant stops refresh, the file goes at expiry, the container endpoint refuses', async () => {
    const client = createBrokerClient({ baseUrl: env.url });
    const started = await client.startSession(aliceToken, { roles: [DS], tokenTtlSeconds: 12 });
    const events: AgentEvent[] = [];
    const agent = createAgent({ client, stsEndpoint: env.stsUrl, containerCredentials: {}, pollIntervalMs: 0, onEvent: (event) => events.push(event) });
    try {
      const session = await agent.addSession({ credential: started.credential, dir: join(dir, 'revoked') });
      const environment = session.environment();
      const authorization = readFileSync(environment['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']!, 'utf8');
      await eventually('container credentials', async () => ((await fetch(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI']!, { headers: { authorization } })).status === 200 ? true : undefined));

      const revoked = await client.revokeSession(bobToken, started.session.id);
      assert.equal(revoked.state, 'revoked');

      const stopped = await eventually('the refresh to be refused', () => events.find((e) => e.type === 'token' && e.event.type === 'stopped'));
      assert.ok(stopped.type === 'token');
      if (stopped.type === 'token' && stopped.event.type === 'stopped') {
        assert.ok(stopped.event.error instanceof BrokerClientError);
        assert.equal(stopped.event.error.oauthError, 'invalid_grant');
      }
      // Refresh happens at 75–80 % of 12 s, so the last token has a few seconds left (the exact
      // instant of removal is checked under a ManualClock in test/integration/agent-backoff.test.ts).
      const expiresAt = stopped.status.tokenExpiresAt!;
      if (Date.now() < expiresAt - 200) assert.ok(existsSync(session.layout.tokenFile), 'the file stays until the token expires');
      const refused = await fetch(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI']!, { headers: { authorization } });
      assert.equal(refused.status, 503);
      assert.match(((await refused.json()) as { message: string }).message, /session stopped: invalid_grant/);

      const { reason } = await session.finished;
      assert.match(reason, /invalid_grant/);
      assert.equal(existsSync(session.layout.tokenFile), false);
      assert.equal(session.status().state, 'stopped');
    } finally {
      await agent.close();
    }
  });

  test('the user ends the session elsewhere: the poll notices and refresh stops', async () => {
    const client = createBrokerClient({ baseUrl: env.url });
    const started = await client.startSession(aliceToken, { roles: [DS, RO] });
    const agent = createAgent({ client, pollIntervalMs: 300 });
    try {
      const session = await agent.addSession({ credential: started.credential, dir: join(dir, 'ended') });
      await client.endSession(aliceToken, started.session.id);
      await eventually('the agent to stop the session', () => (session.status().token.state === 'stopped' ? true : undefined));
      assert.equal(session.status().token.nextRefreshAt, null);
      // The hour-long token has not expired: it stays until then.
      assert.ok(existsSync(session.layout.tokenFile));
    } finally {
      await agent.close();
    }
  });

  test('roles changed at the broker reach the aws-config file without a restart', async () => {
    const client = createBrokerClient({ baseUrl: env.url });
    const started = await client.startSession(aliceToken, { roles: [DS] });
    const events: AgentEvent[] = [];
    const agent = createAgent({ client, pollIntervalMs: 300, onEvent: (event) => events.push(event) });
    try {
      const session = await agent.addSession({ credential: started.credential, dir: join(dir, 'roles') });
      assert.doesNotMatch(readFileSync(session.layout.awsConfigFile, 'utf8'), /ReadOnly/);
      await client.setSessionRoles(aliceToken, started.session.id, [DS, RO]);
      await eventually('the roles change', () => events.find((e) => e.type === 'roles-changed'));
      assert.match(readFileSync(session.layout.awsConfigFile, 'utf8'), /\[profile ReadOnly\]\nrole_arn = arn:aws:iam::222222222222:role\/ReadOnly\nweb_identity_token_file = .*\/tokens\/ReadOnly\n/);
      // The added role gets its own token at once, minted for it (its sub names the role).
      const readOnlyToken = await eventually('the ReadOnly token file', () => (existsSync(join(session.layout.roleTokenDir, 'ReadOnly')) ? readFileSync(join(session.layout.roleTokenDir, 'ReadOnly'), 'utf8') : undefined));
      assert.match(String(decodeJwt(readOnlyToken).sub), /:role:222222222222:ReadOnly$/);
      assert.match(String(decodeJwt(readFileSync(join(session.layout.roleTokenDir, 'DataScientist'), 'utf8')).sub), /:role:111111111111:DataScientist$/);
    } finally {
      await agent.close();
    }
  });
});

describe('bad input', () => {
  test('a credential stitched from two sessions is refused: the agent does not start, idp token says invalid_grant', async () => {
    const client = createBrokerClient({ baseUrl: env.url });
    const a = await client.startSession(aliceToken, { roles: [DS] });
    const b = await client.startSession(aliceToken, { roles: [DS] });
    const stitched = `${a.credential.slice(0, a.credential.indexOf('.'))}${b.credential.slice(b.credential.indexOf('.'))}`;
    const agentRun = await runCli(['agent', '--dir', join(dir, 'stitched')], { ROLEPORT_URL: env.url, ROLEPORT_SESSION_CREDENTIAL: stitched });
    assert.equal(agentRun.code, 2);
    assert.match(agentRun.stderr, /^roleport: /);
    assert.equal(existsSync(join(dir, 'stitched', 'token')), false);
    const token = await runCli(['idp', 'token'], { ROLEPORT_URL: env.url, ROLEPORT_SESSION_CREDENTIAL: stitched });
    assert.equal(token.code, 2);
    assert.match(token.stderr, /invalid_grant/);
    assert.equal(token.stdout, '');
  });

  test('a token for a role outside the session is invalid_target; a wrong subject token type is invalid_request', async () => {
    const client = createBrokerClient({ baseUrl: env.url });
    const started = await client.startSession(aliceToken, { roles: [DS] });
    await assert.rejects(client.exchangeToken({ sessionCredential: started.credential, resource: ANALYST }), (error: unknown) => error instanceof BrokerClientError && error.oauthError === 'invalid_target' && !error.retryable);
    const tampered = await fetch(`${env.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: started.credential,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        requested_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      }).toString(),
    });
    assert.equal(tampered.status, 400);
    assert.equal(((await tampered.json()) as { error: string }).error, 'invalid_request');
  });
});
