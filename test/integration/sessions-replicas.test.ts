import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { RoleportError } from '../../src/core/index.ts';
import { createServices, type Services } from '../../src/services.ts';
import { createDatabase, dropDatabase, testPostgres, type PostgresHandle } from '../helpers/postgres.ts';
import { tamperEnd } from '../helpers/tamper.ts';

const ROLE = 'arn:aws:iam::111111111111:role/DataScientist';
const OTHER_ROLE = 'arn:aws:iam::111111111111:role/Analyst';
const ADMIN = { name: 'admin', admin: true } as const;

/**
 * Two brokers' services on one database — PostgreSQL, and one SQLite file (two connections,
 * as a broker and the CLI have) — each keeping sessions and users in its credential cache. A
 * change made on one — session revoked or ended, the user's roles taken away — refuses the
 * very next exchange on the other: each exchange reads the access-change log first
 * (sessions/credential-cache.ts). Nothing here waits for a poll.
 */
for (const backend of ['postgres', 'sqlite'] as const)
describe(`revocation across two brokers on one ${backend} database`, () => {
  let server: PostgresHandle | undefined;
  let url: string;
  let dir: string;
  let one: Services;
  let two: Services;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-revocation-'));
    if (backend === 'postgres') {
      server = await testPostgres();
      url = await createDatabase(server.url);
    } else url = `sqlite:${join(dir, 'shared.sqlite')}`;
    const masterKey = randomBytes(32).toString('base64');
    const replica = (name: string) =>
      createServices(loadConfig({ env: {}, overrides: { issuer: 'https://broker.example.test', dataDir: join(dir, name), databaseUrl: url, masterKey } }), { background: true });
    one = await replica('one');
    two = await replica('two');
    await one.users.setRoleArns('alice', [ROLE, OTHER_ROLE], 'test');
  });
  after(async () => {
    await one?.close();
    await two?.close();
    if (backend === 'postgres') await dropDatabase(url);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startSession(roles = [ROLE]): Promise<{ id: string; credential: string }> {
    const started = await one.sessions.start({ userName: 'alice', roles, tokenTtlSeconds: 900, by: ADMIN });
    return { id: started.session.id, credential: started.credential };
  }

  /** Exchanges twice on `services`: the second answer comes from its cache while nothing changed. */
  async function exchangeTwice(services: Services, credential: string, roleArn?: string): Promise<void> {
    for (let i = 0; i < 2; i++) assert.match((await services.sessions.exchange({ credential, ...(roleArn === undefined ? {} : { roleArn }) })).token, /^ey/);
  }

  const refused = (pattern: RegExp) => (error: unknown) => error instanceof RoleportError && error.code === 'ERR_GRANT_INVALID' && pattern.test(error.message);

  test('a session revoked on one broker gets no token from the other at once', async () => {
    const session = await startSession();
    await exchangeTwice(two, session.credential);
    await one.sessions.revoke(session.id, ADMIN);
    await assert.rejects(two.sessions.exchange({ credential: session.credential }), refused(/is revoked/));
    // The broker that revoked it knew at once.
    await assert.rejects(one.sessions.exchange({ credential: session.credential }), refused(/is revoked/));
  });

  test('a session ended on one broker gets no token from the other at once, while other sessions still do', async () => {
    const session = await startSession();
    const other = await startSession();
    await exchangeTwice(two, session.credential);
    await exchangeTwice(two, other.credential);
    await one.sessions.end(session.id, ADMIN);
    await exchangeTwice(two, other.credential);
    await assert.rejects(two.sessions.exchange({ credential: session.credential }), refused(/is ended/));
  });

  test("a role taken from the user on one broker is refused on the other; the user's other role still works", async () => {
    const session = await startSession([ROLE, OTHER_ROLE]);
    await exchangeTwice(two, session.credential, OTHER_ROLE);
    await one.users.setRoleArns('alice', [ROLE], 'test');
    await assert.rejects(two.sessions.exchange({ credential: session.credential, roleArn: OTHER_ROLE }), refused(/no longer holds role/));
    assert.match((await two.sessions.exchange({ credential: session.credential, roleArn: ROLE })).token, /^ey/);
    await one.users.setRoleArns('alice', [ROLE, OTHER_ROLE], 'test');
  });

  test('a user deleted on one broker gets no token for their sessions from the other at once', async () => {
    await one.users.setRoleArns('carol', [ROLE], 'test');
    const started = await one.sessions.start({ userName: 'carol', roles: [ROLE], tokenTtlSeconds: 900, by: ADMIN });
    await exchangeTwice(two, started.credential);
    await one.users.remove('carol', 'test');
    await assert.rejects(two.sessions.exchange({ credential: started.credential }), refused(/no longer exists|is revoked/));
  });

  test('cached entries answer while nothing is logged; with the log unreadable, the exchange reads the rows itself', async () => {
    const session = await startSession();
    await exchangeTwice(two, session.credential);
    // A write past the log (no broker does this) shows what answers: the cached session.
    await two.store.db.updateTable('sessions').set({ state: 'revoked' }).where('id', '=', session.id).execute();
    assert.match((await two.sessions.exchange({ credential: session.credential })).token, /^ey/);
    // Without the log (here: the table renamed away, by the other broker) nothing cached is trusted.
    await one.store.db.schema.alterTable('access_changes').renameTo('access_changes_away').execute();
    try {
      await assert.rejects(two.sessions.exchange({ credential: session.credential }), refused(/is revoked/));
    } finally {
      await one.store.db.schema.alterTable('access_changes_away').renameTo('access_changes').execute();
    }
  });

  test('a wrong credential for a cached session is refused', async () => {
    const session = await startSession();
    await exchangeTwice(two, session.credential);
    await assert.rejects(two.sessions.exchange({ credential: tamperEnd(session.credential, 4) }), refused(/not valid/));
  });
});
