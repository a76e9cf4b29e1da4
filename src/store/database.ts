import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, type MigrationProvider, type Migration } from 'kysely';
import pg from 'pg';
import { RoleportError } from '../core/index.ts';
import type { DialectName } from './dialect-name.ts';
import { buildMigrations } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { adaptNodeSqlite, openSqliteFile } from './sqlite-adapter.ts';
import { ImmediateTransactionSqliteDialect } from './sqlite-dialect.ts';

export interface StoreDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The URL with any password removed, for logs and `config check`. */
  displayUrl: string;
  close(): Promise<void>;
}

const PG_INT8_OID = 20;
const PG_NUMERIC_OID = 1700;

/**
 * Opens the database named by a URL: `sqlite:PATH` (the embedded default) or
 * `postgres://…` / `postgresql://…`.
 */
export function openDatabase(url: string): StoreDatabase {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url);
  throw new RoleportError('ERR_CONFIG_INVALID', `database url must start with sqlite: or postgres:// (got ${redactUrl(url)})`);
}

function openSqlite(path: string): StoreDatabase {
  if (path.length === 0) throw new RoleportError('ERR_CONFIG_INVALID', 'database url sqlite: needs a file path');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let file;
  try {
    file = openSqliteFile(path);
  } catch (cause) {
    throw new RoleportError('ERR_STORE_UNAVAILABLE', `cannot open SQLite database ${path}: ${(cause as Error).message}`, { cause });
  }
  const db = new Kysely<Database>({ dialect: new ImmediateTransactionSqliteDialect({ database: adaptNodeSqlite(file) }) });
  return { db, dialect: 'sqlite', displayUrl: `sqlite:${path}`, close: () => db.destroy() };
}

function openPostgres(url: string): StoreDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Times are stored as bigint epoch milliseconds; they fit a JS number exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID || oid === PG_NUMERIC_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', displayUrl: redactUrl(url), close: () => db.destroy() };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/** Applies every pending migration. Safe to call from several replicas at once. */
export async function migrateToLatest(store: StoreDatabase): Promise<void> {
  const migrations = buildMigrations(store.dialect);
  const provider: MigrationProvider = { getMigrations: async (): Promise<Record<string, Migration>> => migrations };
  const migrator = new Migrator({ db: store.db, provider, migrationTableName: 'roleport_migrations', migrationLockTableName: 'roleport_migrations_lock' });
  let { error, results } = await migrator.migrateToLatest();
  // Two processes starting on a fresh SQLite file (`roleport serve & roleport sts serve`)
  // race: Kysely's migration lock is per connection there. The loser's DDL fails because the
  // winner's tables exist; once the winner commits, a retry finds nothing left to do.
  for (let attempt = 0; error !== undefined && store.dialect === 'sqlite' && attempt < 5; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new RoleportError('ERR_STORE_UNAVAILABLE', `database migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}
