import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createDatabase, dropDatabase, testPostgres, type PostgresHandle } from './postgres.ts';

describe('real PostgreSQL for tests', () => {
  let postgres: PostgresHandle;

  before(async () => {
    postgres = await testPostgres();
  });

  after(() => postgres.stop());

  async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it('answers select 1 over 127.0.0.1 with trust auth', async () => {
    assert.match(postgres.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/roleport_test/);
    assert.deepEqual(await query(postgres.url, 'select 1 as one'), [{ one: 1 }]);
  });

  it('creates isolated databases on the same server and drops them', async () => {
    const first = await createDatabase(postgres.url);
    const second = await createDatabase(postgres.url);
    try {
      assert.equal(new URL(first).host, new URL(postgres.url).host);
      assert.notEqual(first, second);
      await query(first, 'create table only_here (id int)');
      const tables = await query<{ count: string }>(second, "select count(*) from pg_tables where tablename = 'only_here'");
      assert.equal(Number(tables[0]?.count), 0);
    } finally {
      await dropDatabase(first);
      await dropDatabase(second);
    }
    await assert.rejects(query(first, 'select 1'), /does not exist/);
  });

  it('refuses database names that would need quoting', async () => {
    await assert.rejects(createDatabase(postgres.url, 'Robert"; drop'), TypeError);
  });
});
