import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * The offline counterparts of Google's and Entra's token services: workload identity pool
 * providers and the service accounts they may impersonate (local Google STS), and federated
 * identity credentials (local Entra token endpoint).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('gcp_providers')
    .addColumn('name', 'varchar(300)', (c) => c.primaryKey())
    .addColumn('issuer_uri', 'varchar(2048)', (c) => c.notNull())
    .addColumn('allowed_audiences', 'text', (c) => c.notNull())
    .addColumn('attribute_mapping', 'text', (c) => c.notNull())
    .addColumn('attribute_condition', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('gcp_service_accounts')
    .addColumn('email', 'varchar(320)', (c) => c.primaryKey())
    .addColumn('members', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('azure_federated_credentials')
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('tenant_id', 'varchar(256)', (c) => c.notNull())
    .addColumn('issuer', 'varchar(600)', (c) => c.notNull())
    .addColumn('subject', 'varchar(600)', (c) => c.notNull())
    .addColumn('audiences', 'text', (c) => c.notNull())
    .addColumn('description', 'varchar(600)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('azure_federated_credentials_pk', ['client_id', 'name'])
    .execute();
}
