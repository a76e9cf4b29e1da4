import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * The local STS's principals with long-term keys (IAM users, roles standing for IAM Identity
 * Center permission sets) and their identity policies; and the permission policies of its
 * roles, which decide what their sessions may assume.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('sts_principals')
    .addColumn('arn', 'varchar(2048)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('session_name', 'varchar(64)')
    .addColumn('access_key_id', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('key_hash_sealed', 'text', (c) => c.notNull())
    .addColumn('identity_policies', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('sts_roles').addColumn('permission_policies', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}
