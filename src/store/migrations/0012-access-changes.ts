import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * A log of the changes that decide whether a session credential still gets a token (a
 * session ended, revoked or given other roles; a user's roles, claims or existence), which
 * every broker process reads every half second to drop what it cached (store/access-changes.ts).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('access_changes')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('session_id', 'varchar(64)')
    .addColumn('user_name', 'varchar(255)')
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_changes_changed_at').on('access_changes').column('changed_at').execute();
}
