import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../dialect-name.ts';
import * as foundation from './0001-foundation.ts';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

/**
 * Every migration, in order. One list for SQLite and PostgreSQL; the few places where the
 * two differ (auto-increment ids) receive the dialect's name. Append; never edit a shipped one.
 */
const ordered: Record<string, DialectMigration> = {
  '0001-foundation': foundation,
};

export function buildMigrations(dialect: DialectName): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(ordered).map(([name, migration]) => [name, { up: (db: Kysely<unknown>) => migration.up(db, dialect) }]),
  );
}
