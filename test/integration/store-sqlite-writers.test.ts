import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createServices } from '../../src/services.ts';
import { runProcess } from '../helpers/processes.ts';

const NODE = process.execPath;
const CHILD = join(import.meta.dirname, '../helpers/sqlite-writer-child.ts');
const ITERATIONS = 150;

/**
 * Two processes writing to one SQLite file at the same time, the way `roleport users …`
 * writes while a broker runs. A transaction that reads before it writes must wait for the
 * other process's write lock (the busy timeout), never fail with "database is locked" — which
 * it did, about once in 40 sign-ins, while SQLite transactions began deferred.
 */
describe('two processes writing one SQLite file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sqlite-writers-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('read-then-write transactions from both processes all commit, none lost', async () => {
    const shared = { issuer: 'https://broker.example.test', databaseUrl: `sqlite:${join(dir, 'roleport.db')}`, masterKey: randomBytes(32).toString('base64') };
    // The database, its keys and the user exist before the writers start, as under a running broker.
    const setup = await createServices(loadConfig({ env: {}, overrides: { ...shared, dataDir: join(dir, 'setup') } }));
    await setup.users.setRoleArns('dora', ['arn:aws:iam::111111111111:role/One'], 'cli');
    await setup.users.setRoleArns('tally', ['arn:aws:iam::111111111111:role/One'], 'cli');
    await setup.close();

    const writers = await Promise.all(
      ['a', 'b'].map((name) => runProcess(NODE, [CHILD, JSON.stringify({ ...shared, dataDir: join(dir, name) }), String(ITERATIONS), 'dora', 'tally'], { PATH: process.env['PATH'] ?? '' })),
    );
    for (const writer of writers) {
      assert.equal(writer.code, 0, writer.stderr);
      assert.deepEqual(JSON.parse(writer.stdout), { failures: 0, errors: [] });
    }

    const check = await createServices(loadConfig({ env: {}, overrides: { ...shared, dataDir: join(dir, 'check') } }));
    try {
      const tally = await check.repositories.users.findByUsername('tally');
      assert.equal(tally?.display_name, String(2 * ITERATIONS), 'every read-then-write increment kept');
      const signIns = await check.repositories.auditEvents.query({ type: 'user.signed_in', userName: 'dora', limit: 10 * ITERATIONS });
      assert.equal(signIns.length, 2 * ITERATIONS);
    } finally {
      await check.close();
    }
  });
});
