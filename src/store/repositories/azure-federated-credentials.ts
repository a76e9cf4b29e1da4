import type { Kysely, Selectable } from 'kysely';
import type { AzureFederatedCredentialTable, Database } from '../schema.ts';

export type AzureFederatedCredentialRow = Selectable<AzureFederatedCredentialTable>;
type AzureFederatedCredentialValues = Omit<AzureFederatedCredentialRow, 'created_at' | 'updated_at'>;

/** The local Entra token endpoint's federated identity credentials, keyed by client ID and name. */
export function createAzureFederatedCredentialRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<AzureFederatedCredentialRow[]> {
      return db.selectFrom('azure_federated_credentials').selectAll().orderBy('client_id', 'asc').orderBy('name', 'asc').execute();
    },
    async upsert(row: AzureFederatedCredentialValues, now: number): Promise<'added' | 'updated'> {
      return db.transaction().execute(async (trx) => {
        const { client_id, name, ...settings } = row;
        const updated = await trx
          .updateTable('azure_federated_credentials')
          .set({ ...settings, updated_at: now })
          .where('client_id', '=', client_id)
          .where('name', '=', name)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) return 'updated';
        await trx.insertInto('azure_federated_credentials').values({ ...row, created_at: now, updated_at: now }).execute();
        return 'added';
      });
    },
    async remove(clientId: string, name: string): Promise<boolean> {
      const result = await db.deleteFrom('azure_federated_credentials').where('client_id', '=', clientId).where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type AzureFederatedCredentialRepository = ReturnType<typeof createAzureFederatedCredentialRepository>;
