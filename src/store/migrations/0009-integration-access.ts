import type { Kysely } from 'kysely';

/**
 * Which content may use an integration: the admin's allow-list (issue 10). An association of
 * content with an integration counts only while the content is on the integration's list, so
 * a publisher key cannot attach an admin's integration to its own content, and a withdrawn
 * grant stops the credentials exchange at once. Empty after the upgrade: associations made
 * before it work again once an admin grants them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('integration_access')
    .addColumn('integration_guid', 'varchar(64)', (c) => c.notNull().references('oauth_integrations.guid').onDelete('cascade'))
    .addColumn('content_guid', 'varchar(64)', (c) => c.notNull().references('content.guid').onDelete('cascade'))
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addColumn('granted_by', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('integration_access_pk', ['integration_guid', 'content_guid'])
    .execute();
  await db.schema.createIndex('integration_access_content').on('integration_access').column('content_guid').execute();
}
