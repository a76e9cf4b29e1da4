import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('alg', 'varchar(16)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activate_after', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('retired_at', 'bigint')
    .addColumn('last_token_expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('actor', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_name', 'varchar(255)')
    .addColumn('session_id', 'varchar(64)')
    .addColumn('jti', 'varchar(64)')
    .addColumn('kid', 'varchar(64)')
    .addColumn('subject', 'text')
    .addColumn('audience', 'text')
    .addColumn('role_arn', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_events_occurred_at').on('audit_events').column('occurred_at').execute();
  await db.schema.createIndex('audit_events_jti').on('audit_events').column('jti').execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('locks')
    .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(255)')
    .addColumn('locked_at', 'bigint', (c) => c.notNull())
    .execute();
}
