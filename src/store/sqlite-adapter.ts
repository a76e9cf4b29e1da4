import { DatabaseSync, type StatementSync, type SQLInputValue } from 'node:sqlite';
import { chmodSync } from 'node:fs';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Adapts `node:sqlite`'s `DatabaseSync` to the shape Kysely's `SqliteDialect` expects
 * (better-sqlite3's). Two differences matter: node:sqlite spreads parameters instead of
 * taking an array, and it has no `reader` flag — a statement that returns columns
 * (a SELECT, or anything with RETURNING) is a reader.
 */
export function adaptNodeSqlite(database: DatabaseSync): SqliteDatabase {
  // Kysely prepares every query anew; compiling the same few hundred SQL texts again and
  // again was a tenth of the STS's CPU. Statements are reusable, so keep them, bounded.
  const prepared = new Map<string, SqliteStatement>();
  return {
    close: () => {
      prepared.clear();
      database.close();
    },
    prepare: (sql: string) => {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        statement = adaptStatement(database.prepare(sql));
        if (prepared.size >= MAX_CACHED_STATEMENTS) prepared.delete(prepared.keys().next().value!);
        prepared.set(sql, statement);
      }
      return statement;
    },
  };
}

const MAX_CACHED_STATEMENTS = 500;

function adaptStatement(statement: StatementSync): SqliteStatement {
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...toSqliteValues(parameters)),
    run: (parameters) => statement.run(...toSqliteValues(parameters)),
    iterate: (parameters) => statement.iterate(...toSqliteValues(parameters)),
  };
}

/** node:sqlite binds only null, numbers, bigints, strings and bytes. */
function toSqliteValues(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((value) => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
    if (value instanceof Uint8Array) return value;
    throw new TypeError(`cannot bind a ${typeof value} to SQLite`);
  });
}

/** Opens a SQLite file in WAL mode with a busy timeout so the CLI and the server can share it. */
export function openSqliteFile(path: string): DatabaseSync {
  const database = new DatabaseSync(path, { timeout: 5000 });
  // The file holds sealed secrets and hashes: owner-only, like the master key.
  if (path !== ':memory:') chmodSync(path, 0o600);
  database.exec('PRAGMA journal_mode = WAL');
  database.exec('PRAGMA synchronous = NORMAL');
  database.exec('PRAGMA foreign_keys = ON');
  return database;
}
