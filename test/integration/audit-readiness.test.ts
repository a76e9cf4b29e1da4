/**
 * While the database refuses audit rows — for real: INSERT revoked from the broker's account
 * on PostgreSQL, a trigger on SQLite — `/readyz` fails, no token or credentials leave (their
 * rows cannot be committed), and events that can wait are kept; once the database takes rows
 * again, readiness comes back, tokens flow, and the kept events are written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { asOwnerRole, testPostgresUrl } from '../helpers/postgres.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { DS, exchangeToken, registerStsRoles } from './sessions-fixtures.ts';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`/readyz and token issue while audit writes fail (${backend})`, () => {
    let broker: TestBroker;
    let admin: (statement: string) => Promise<void>;
    let refuseAll: string;
    let allowAll: string;
    let credential: string;
    let sessionId: string;
    let userToken: string;

    before(async () => {
      let databaseUrl: string | undefined;
      if (backend === 'postgres') {
        const owner = await asOwnerRole(await testPostgresUrl());
        databaseUrl = owner.url;
        refuseAll = `revoke insert on audit_events from "${owner.role}"`;
        allowAll = `grant insert on audit_events to "${owner.role}"`;
        admin = owner.sql;
      } else {
        refuseAll = "create trigger audit_refuse_all before insert on audit_events begin select raise(abort, 'the audit log is read-only'); end";
        allowAll = 'drop trigger audit_refuse_all';
      }
      broker = await startTestBroker({ ...(databaseUrl === undefined ? {} : { databaseUrl }), config: { sts: { enabled: true, listen: '127.0.0.1:0' } } });
      if (backend === 'sqlite') admin = async (statement) => void (await sql.raw(statement).execute(broker.app.services.store.db));
      await registerStsRoles(broker, 'http://127.0.0.1:9');
      const services = broker.app.services;
      await services.users.setRoleArns('alice', [DS], 'test');
      const started = await services.sessions.start({ userName: 'alice', roles: [DS], by: { name: 'test', admin: true } });
      credential = started.credential;
      sessionId = started.session.id;
      userToken = (await services.sessions.userTokens.create({ userName: 'alice', actor: 'test' })).token;
    });
    after(() => broker?.close());

    const readyz = async () => {
      const response = await fetch(`${broker.url}/readyz`);
      return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
    };
    const assume = async (token: string) => {
      const response = await fetch(broker.app.stsUrl()!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: DS, RoleSessionName: 'alice', WebIdentityToken: token }).toString(),
      });
      return { status: response.status, body: await response.text() };
    };
    const metric = async (name: string): Promise<number> => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${broker.url}/metrics`)).text())?.[1] ?? NaN);
    const count = async (type: string): Promise<number> => {
      await broker.app.services.audit.flush();
      return (await broker.app.services.repositories.auditEvents.query({ type, limit: 100_000 })).length;
    };

    test('ready → not ready with no token handed out → ready again, nothing that could wait is lost', async () => {
      const stsToken = (await broker.app.services.mintToken({ subject: 'user:alice:role:111111111111:DataScientist', audience: 'sts.amazonaws.com', actor: 'test' })).token;
      assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready', checks: { database: 'ok', signing_key: 'ok', audit_log: 'ok' } } });
      assert.equal(await metric('roleport_audit_writable'), 1);
      const mintedBefore = await count('token.minted');
      const assumedBefore = await count('sts.role_assumed');

      await admin(refuseAll);
      let restored = false;
      try {
        const down = await readyz();
        assert.equal(down.status, 503);
        assert.deepEqual(down.body, { status: 'not ready', checks: { database: 'ok', signing_key: 'ok', audit_log: 'not writable' } });
        assert.equal(await metric('roleport_audit_writable'), 0);

        // No token leaves: the agent is told to retry, and gets nothing it could use.
        const refused = await exchangeToken(broker.url, credential);
        assert.equal(refused.status, 503);
        assert.equal(refused.body['error'], 'temporarily_unavailable');
        assert.equal(refused.body['access_token'], undefined);
        // Nor credentials from the local STS: AWS's retryable ServiceUnavailable, and no Credentials element.
        const sts = await assume(stsToken);
        assert.equal(sts.status, 503, sts.body);
        assert.match(sts.body, /<Code>ServiceUnavailable<\/Code>/);
        assert.doesNotMatch(sts.body, /SecretAccessKey/);

        // An event that guards nothing leaving is kept for later: ending the session succeeds.
        const ended = await fetch(`${broker.url}/api/v1/sessions/${sessionId}/end`, { method: 'POST', headers: { authorization: `Bearer ${userToken}` } });
        assert.equal(ended.status, 200, await ended.text());
        assert.equal((await readyz()).status, 503, 'still not ready');
      } finally {
        if (!restored) await admin(allowAll);
        restored = true;
      }

      assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready', checks: { database: 'ok', signing_key: 'ok', audit_log: 'ok' } } });
      assert.equal(await metric('roleport_audit_writable'), 1);
      assert.equal(await count('session.ended'), 1, 'the event kept during the outage is written');
      const sts = await assume(stsToken);
      assert.equal(sts.status, 200, sts.body);
      assert.equal(await count('token.minted'), mintedBefore, 'the refused token has no row: it never left');
      assert.equal(await count('sts.role_assumed'), assumedBefore + 1);
      assert.equal(broker.app.services.audit.status().deadLettered, 0);
    });
  });
}
