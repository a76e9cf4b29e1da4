import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run-cli.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { DS, RO, exchangeToken } from './sessions-fixtures.ts';

/**
 * `roleport session start|list|end|revoke` and `roleport users token create` as an admin runs
 * them on the data directory of a running broker: what they print, their exit codes, and that
 * the broker serves the change at once (its token endpoint honours a session started or
 * revoked from the CLI).
 */
describe('roleport session … and users token create (CLI on the data directory)', () => {
  let broker: TestBroker;
  let env: Record<string, string>;

  before(async () => {
    broker = await startTestBroker();
    env = { ROLEPORT_DATA_DIR: broker.dataDir, ROLEPORT_LOG_LEVEL: 'error' };
    const assigned = await runCli(['users', 'set-aws-role-arns', 'alice', DS], env);
    assert.equal(assigned.code, 0, assigned.stderr);
  });
  after(() => broker?.close());

  const cli = async (...args: string[]) => runCli(args, env);

  test('session start prints the session and its credential once; the broker honours it', async () => {
    const text = await cli('session', 'start', '--user', 'alice', '--role', DS, '--ttl', '600');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^session: ses_[0-9a-f]+$/m);
    assert.match(text.stdout, /^role: arn:aws:iam::111111111111:role\/DataScientist \(profile DataScientist, session name alice\.ses-[0-9a-f]{4}\)$/m);
    assert.match(text.stdout, /credential \(shown once, for the session's agent\): rps_ses_/);

    const json = await cli('session', 'start', '--user', 'alice', '--role', DS, '--region', 'eu-west-1', '--json');
    assert.equal(json.code, 0, json.stderr);
    const started = JSON.parse(json.stdout) as { session: { id: string; user: string; region: string; state: string; created_by?: string }; credential: string };
    assert.equal(started.session.user, 'alice');
    assert.equal(started.session.region, 'eu-west-1');
    assert.equal(started.session.state, 'active');
    const token = await exchangeToken(broker.url, started.credential);
    assert.equal(token.status, 200);

    const revoked = await cli('session', 'revoke', started.session.id, '--json');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((JSON.parse(revoked.stdout) as { state: string }).state, 'revoked');
    const refused = await exchangeToken(broker.url, started.credential);
    assert.equal(refused.body['error'], 'invalid_grant', 'a running broker sees the revocation at once');
  });

  test('session list shows every session, filtered by user and state', async () => {
    const listed = await cli('session', 'list', '--user', 'alice', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const sessions = (JSON.parse(listed.stdout) as { sessions: Array<{ user: string; state: string }> }).sessions;
    assert.ok(sessions.length >= 2 && sessions.every((s) => s.user === 'alice'));
    const active = JSON.parse((await cli('session', 'list', '--state', 'active', '--json')).stdout) as { sessions: Array<{ state: string }> };
    assert.ok(active.sessions.every((s) => s.state === 'active'));
    const table = await cli('session', 'list');
    assert.match(table.stdout, /^ID\s+USER\s+STATE\s+SOURCE\s+ROLES/);
    const none = await cli('session', 'list', '--user', 'nobody');
    assert.equal(none.stdout.trim(), 'no sessions');
  });

  test('session end ends it; ending again reports it as it is', async () => {
    const started = JSON.parse((await cli('session', 'start', '--user', 'alice', '--role', DS, '--json')).stdout) as { session: { id: string } };
    const ended = await cli('session', 'end', started.session.id);
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /^state: ended$/m);
    const again = await cli('session', 'end', started.session.id, '--json');
    assert.equal(again.code, 0);
    assert.equal((JSON.parse(again.stdout) as { state: string }).state, 'ended');
  });

  test('bad input exits 2 with a message naming it, and starts nothing', async () => {
    const before = JSON.parse((await cli('session', 'list', '--json')).stdout) as { sessions: unknown[] };
    const cases: Array<[string[], RegExp]> = [
      [['session', 'start', '--user', 'alice', '--role', RO], /alice does not hold role arn:aws:iam::222222222222:role\/ReadOnly/],
      [['session', 'start', '--user', 'nobody', '--role', DS], /no user named nobody/],
      [['session', 'start', '--user', 'alice', '--role', 'not-an-arn'], /not an IAM role ARN/],
      [['session', 'start', '--user', 'alice', '--role', DS, '--token-source', 'magic'], /--token-source magic/],
      [['session', 'start', '--user', 'alice', '--role', DS, '--ttl', 'soon'], /--ttl soon/],
      // Audiences are an allow-list (sessions.audiences); the content audience never.
      [['session', 'start', '--user', 'alice', '--role', DS, '--audience', 'https://vault.example.com'], /audience "https:\/\/vault\.example\.com" is not one a session may ask for \(sessions\.audiences: sts\.amazonaws\.com\)/],
      [['session', 'start', '--user', 'alice', '--role', DS, '--audience', 'roleport-content'], /audience "roleport-content" is not one a session may ask for/],
      [['session', 'start', '--user', 'alice'], /--role/],
      [['session', 'end', 'not-a-session'], /expected a session id/],
      [['session', 'revoke', 'ses_0000000000'], /no session ses_0000000000/],
      [['session', 'list', '--state', 'sleeping'], /--state sleeping/],
      [['users', 'token', 'create', 'nobody'], /no user named nobody/],
      [['users', 'token', 'create', 'alice', '--ttl', '0'], /--ttl 0/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    const after = JSON.parse((await cli('session', 'list', '--json')).stdout) as { sessions: unknown[] };
    assert.equal(after.sessions.length, before.sessions.length);
  });

  test('choosing a viewer session warns that the IdP\'s tokens are not bound to the roles', async () => {
    const viewer = await cli('session', 'start', '--user', 'alice', '--role', DS, '--token-source', 'viewer');
    assert.match(viewer.stderr, /^warning: viewer sessions hand out the IdP's own ID token, which names no role: AWS accepts it for every role that trusts the IdP and this user/m);
    // This broker has no single sign-on, so no viewer session starts here.
    assert.equal(viewer.code, 2);
    assert.match(viewer.stderr, /viewer needs single sign-on/);
  });

  test('users token create prints a user API token once; the API accepts it', async () => {
    const bare = await cli('users', 'token', 'create', 'alice', '--ttl', '3600');
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout.trim(), /^rpu_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const json = JSON.parse((await cli('users', 'token', 'create', 'alice', '--json')).stdout) as { token: string; username: string; expires_at: string };
    assert.equal(json.username, 'alice');
    assert.ok(Date.parse(json.expires_at) > Date.now() + 29 * 86400_000, 'the default lifetime is 30 days');
    for (const token of [bare.stdout.trim(), json.token]) {
      const response = await fetch(`${broker.url}/api/v1/sessions`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
    }
  });
});
