import type { Kysely } from 'kysely';

/**
 * Users (created at sign-in or by the admin CLI), their IAM roles with where each came from
 * (`claim` or `cli`), the IdP tokens kept per user for refresh (sealed), and browser
 * sign-in sessions (stored by the hash of the cookie's random id, so that several brokers
 * share them and a database leak does not leak live cookies).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('idp_issuer', 'text')
    .addColumn('subject', 'varchar(255)')
    .addColumn('display_name', 'text')
    .addColumn('email', 'text')
    .addColumn('groups', 'text', (c) => c.notNull())
    .addColumn('role_session_name', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'bigint')
    .execute();
  await db.schema.createIndex('users_subject').on('users').column('subject').execute();

  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_arn', 'varchar(2048)', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_arn'])
    .execute();

  await db.schema
    .createTable('user_sso_tokens')
    .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('refresh_token_sealed', 'text')
    .addColumn('id_token_sealed', 'text')
    .addColumn('id_token_expires_at', 'bigint')
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('browser_sessions')
    .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('browser_sessions_user_id').on('browser_sessions').column('user_id').execute();
  await db.schema.createIndex('browser_sessions_expires_at').on('browser_sessions').column('expires_at').execute();
}
