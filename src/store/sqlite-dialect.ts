import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

/**
 * Kysely's SQLite dialect with one difference: every transaction begins `BEGIN IMMEDIATE`,
 * taking the write lock first. Every Roleport transaction writes, and most read first
 * (a sign-in reads the user, then writes it). Begun deferred (Kysely's plain `begin`), such
 * a transaction starts as a reader; when another process — the CLI next to a running broker,
 * a second broker on the file — has committed since its snapshot, SQLite cannot upgrade it
 * and fails at once with "database is locked", without waiting for the busy timeout.
 * Begun immediate, it waits for the lock (the busy timeout) and reads what is current.
 * PostgreSQL keeps Kysely's plain `begin`: row locks there wait by themselves.
 */
export class ImmediateTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }
}

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');

class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN_IMMEDIATE);
  }
}
