import type { Kysely } from 'kysely';

/**
 * Cloud targets (issue 15): the GCP and Azure targets granted to users — from the IdP's
 * claims or the admin CLI, like roles — and the ones a session picked at its start. Sessions
 * started before the upgrade hold none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_cloud_targets')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('cloud', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', 'varchar(63)', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_cloud_targets_pk', ['user_id', 'cloud', 'name'])
    .execute();
  // Granting checks that a target name means the same thing for every user who holds it.
  await db.schema.createIndex('user_cloud_targets_name').on('user_cloud_targets').columns(['cloud', 'name']).execute();
  await db.schema.alterTable('sessions').addColumn('cloud_targets', 'text', (c) => c.notNull().defaultTo('{"gcp":[],"azure":[]}')).execute();
}
