import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/** The local STS: its OIDC providers, roles, and the temporary credentials it issued. */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('sts_providers')
    .addColumn('url', 'varchar(2048)', (c) => c.primaryKey())
    .addColumn('client_ids', 'text', (c) => c.notNull())
    .addColumn('thumbprints', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sts_roles')
    .addColumn('arn', 'varchar(2048)', (c) => c.primaryKey())
    .addColumn('trust_policy', 'text', (c) => c.notNull())
    .addColumn('max_session_duration', 'integer', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sts_credentials')
    .addColumn('access_key_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('session_token_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('principal_arn', 'varchar(2048)', (c) => c.notNull())
    .addColumn('role_arn', 'varchar(2048)', (c) => c.notNull())
    .addColumn('role_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('session_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_identity', 'varchar(64)')
    .addColumn('subject', 'text')
    .addColumn('provider', 'varchar(2048)')
    .addColumn('audience', 'text')
    .addColumn('session_tags', 'text', (c) => c.notNull())
    .addColumn('transitive_tag_keys', 'text', (c) => c.notNull())
    .addColumn('chained', 'integer', (c) => c.notNull())
    .addColumn('parent_access_key_id', 'varchar(32)')
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sts_credentials_expires_at').on('sts_credentials').column('expires_at').execute();
}
