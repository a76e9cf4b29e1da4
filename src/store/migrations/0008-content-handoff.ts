import type { Kysely } from 'kysely';

/**
 * One-time codes that carry a viewer's identity from the broker's origin to the content
 * origin (stored by hash, bound to the content and the origin they were issued for).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('content_handoff_codes')
    .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('browser_session_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('content_guid', 'varchar(64)', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
