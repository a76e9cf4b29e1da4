import type { Kysely } from 'kysely';

/**
 * Integrations for published content: API keys (stored by hash), OAuth integrations (their
 * client secret sealed), the content registry and which integrations each content item uses,
 * and the viewers' grants (their IdP refresh and ID tokens sealed) per viewer and integration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('oauth_integrations')
    .addColumn('guid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('template', 'varchar(32)', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('content')
    .addColumn('guid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('title', 'text')
    .addColumn('upstream_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('content_integrations')
    .addColumn('content_guid', 'varchar(64)', (c) => c.notNull().references('content.guid').onDelete('cascade'))
    .addColumn('integration_guid', 'varchar(64)', (c) => c.notNull().references('oauth_integrations.guid').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('content_integrations_pk', ['content_guid', 'integration_guid'])
    .execute();
  await db.schema.createIndex('content_integrations_integration').on('content_integrations').column('integration_guid').execute();

  await db.schema
    .createTable('viewer_grants')
    .addColumn('user_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('integration_guid', 'varchar(64)', (c) => c.notNull().references('oauth_integrations.guid').onDelete('cascade'))
    .addColumn('refresh_token_sealed', 'text')
    .addColumn('id_token_sealed', 'text')
    .addColumn('id_token_expires_at', 'bigint')
    .addColumn('idp_issuer', 'text')
    .addColumn('idp_subject', 'varchar(255)')
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('viewer_grants_pk', ['user_name', 'integration_guid'])
    .execute();
}
