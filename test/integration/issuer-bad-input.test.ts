import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.ts';
import { RoleportError } from '../../src/core/index.ts';
import { createServices } from '../../src/services.ts';
import { testPostgres, type PostgresHandle } from '../helpers/postgres.ts';

/**
 * Bad input at start-up is a clear error and leaves the stored state exactly as it was:
 * a wrong master key, a tampered or moved ciphertext in signing_keys.
 */
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('hex');

interface Backend {
  databaseUrl: string | undefined;
  /** Every stored byte that matters, to compare before and after a failed start. */
  snapshot(): Promise<string>;
  /** Runs SQL against the database behind the broker's back (the tamperer). */
  execute(statement: string, ...values: string[]): Promise<void>;
  sealedKeys(): Promise<Array<{ kid: string; sealed: string }>>;
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`bad secrets at start-up on ${name}`, () => {
    let dataDir: string;
    let server: PostgresHandle | undefined;
    let backend: Backend;

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'roleport-bad-'));
      if (name === 'postgres') {
        server = await testPostgres();
        backend = postgresBackend(server.url);
      } else {
        backend = sqliteBackend(dataDir);
      }
      // A broker that starts, rotates once (so there is a next key too) and stops cleanly.
      const services = await createServices(config(keyA));
      await services.keys.rotate();
      await services.close();
    });
    after(async () => {
      await server?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    const config = (masterKey: string | undefined) =>
      loadConfig({ env: {}, overrides: { dataDir, databaseUrl: backend.databaseUrl, masterKey, keys: { algorithm: 'ES256' } } });

    const startFails = async (masterKey: string | undefined, expected: { code: RoleportError['code']; message: RegExp }): Promise<void> => {
      const before = await backend.snapshot();
      await assert.rejects(createServices(config(masterKey)), (error: unknown) => {
        assert.ok(error instanceof RoleportError, String(error));
        assert.equal(error.code, expected.code);
        assert.match(error.message, expected.message);
        assert.ok(!error.message.includes('\n'));
        return true;
      });
      assert.equal(await backend.snapshot(), before, 'nothing changed on disk');
    };

    test('the right master key starts', async () => {
      const services = await createServices(config(keyA));
      assert.equal((await services.keys.list()).length, 2);
      await services.close();
    });

    test('a wrong master key is a clear start-up error, and nothing is written', async () => {
      await startFails(keyB, { code: 'ERR_MASTER_KEY_MISMATCH', message: /^stored secrets were encrypted with a different master key \(check ROLEPORT_MASTER_KEY or the data directory's master\.key\)$/ });
    });

    test('no master key given and none in the data directory: a generated one does not open the old data', async () => {
      await startFails(undefined, {
        code: 'ERR_MASTER_KEY_MISMATCH',
        message: new RegExp(`^the database holds secrets sealed with a master key that was not given: set ROLEPORT_MASTER_KEY or restore ${dataDir}/master\\.key$`),
      });
    });

    test('a master key that is not 32 bytes is refused before anything is opened', async () => {
      await startFails(randomBytes(16).toString('base64'), { code: 'ERR_CONFIG_INVALID', message: /ROLEPORT_MASTER_KEY: master key must be 32 bytes/ });
    });

    test('a tampered private key ciphertext is refused, naming the row', async () => {
      const [first] = await backend.sealedKeys();
      const parts = first!.sealed.split('.');
      const body = Buffer.from(parts[3]!, 'base64url');
      body[5] = body[5]! ^ 0x01;
      parts[3] = body.toString('base64url');
      await backend.execute('update signing_keys set private_key_sealed = $1 where kid = $2', parts.join('.'), first!.kid);
      try {
        await startFails(keyA, { code: 'ERR_SECRET_TAMPERED', message: new RegExp(`^stored secret for signing_keys:${first!.kid}:private_key failed authentication \\(tampered or moved\\)$`) });
      } finally {
        await backend.execute('update signing_keys set private_key_sealed = $1 where kid = $2', first!.sealed, first!.kid);
      }
    });

    test('a ciphertext moved to another row fails, because the row is its associated data', async () => {
      const [first, second] = await backend.sealedKeys();
      await backend.execute('update signing_keys set private_key_sealed = $1 where kid = $2', second!.sealed, first!.kid);
      try {
        await startFails(keyA, { code: 'ERR_SECRET_TAMPERED', message: /failed authentication \(tampered or moved\)/ });
      } finally {
        await backend.execute('update signing_keys set private_key_sealed = $1 where kid = $2', first!.sealed, first!.kid);
      }
    });

    test('a value that is not sealed at all is refused', async () => {
      const [first] = await backend.sealedKeys();
      await backend.execute('update signing_keys set private_key_sealed = $1 where kid = $2', '-----BEGIN PRIVATE KEY-----', first!.kid);
      try {
        await startFails(keyA, { code: 'ERR_SECRET_TAMPERED', message: /^stored secret is not in the sealed format$/ });
      } finally {
        await backend.execute('update signing_keys set private_key_sealed = $1 where kid = $2', first!.sealed, first!.kid);
      }
    });

    test('after the repairs the original key opens everything again', async () => {
      const services = await createServices(config(keyA));
      assert.equal((await services.keys.list()).length, 2);
      assert.ok((await services.mintToken({ subject: 's', audience: 'a', actor: 'test' })).token);
      await services.close();
    });
  });
}

function sqliteBackend(dataDir: string): Backend {
  const file = join(dataDir, 'roleport.sqlite');
  const withFile = <T>(use: (db: DatabaseSync) => T): T => {
    const db = new DatabaseSync(file);
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    databaseUrl: undefined,
    async snapshot() {
      // The database file (checkpointed on every clean close) and every file beside it.
      const names = (await readdir(dataDir)).sort();
      const hashes = await Promise.all(names.map(async (n) => `${n}:${createHash('sha256').update(await readFile(join(dataDir, n))).digest('hex')}`));
      return hashes.join('\n');
    },
    async execute(statement, ...values) {
      withFile((db) => db.prepare(statement.replace(/\$\d/g, '?')).run(...values));
    },
    async sealedKeys() {
      return withFile((db) => db.prepare('select kid, private_key_sealed as sealed from signing_keys order by created_at').all() as Array<{ kid: string; sealed: string }>);
    },
  };
}

function postgresBackend(url: string): Backend {
  const withClient = async <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end();
    }
  };
  return {
    databaseUrl: url,
    snapshot: () =>
      withClient(async (client) => {
        const tables = ['signing_keys', 'settings', 'audit_events', 'locks', 'roleport_migrations'];
        const dumps: string[] = [];
        for (const table of tables) dumps.push(JSON.stringify((await client.query(`select * from ${table} order by 1`)).rows));
        return dumps.join('\n');
      }),
    execute: (statement, ...values) => withClient(async (client) => void (await client.query(statement, values))),
    sealedKeys: () => withClient(async (client) => (await client.query<{ kid: string; sealed: string }>('select kid, private_key_sealed as sealed from signing_keys order by created_at')).rows),
  };
}
