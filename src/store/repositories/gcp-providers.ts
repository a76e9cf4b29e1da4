import type { Kysely, Selectable } from 'kysely';
import type { Database, GcpProviderTable } from '../schema.ts';

export type GcpProviderRow = Selectable<GcpProviderTable>;
type GcpProviderValues = Omit<GcpProviderRow, 'created_at' | 'updated_at'>;

/** The local Google STS's workload identity pool providers, keyed by resource name. */
export function createGcpProviderRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<GcpProviderRow[]> {
      return db.selectFrom('gcp_providers').selectAll().orderBy('name', 'asc').execute();
    },
    /** Adds the provider or replaces its settings; returns whether it was new. */
    async upsert(row: GcpProviderValues, now: number): Promise<'added' | 'updated'> {
      return db.transaction().execute(async (trx) => {
        const { name, ...settings } = row;
        const updated = await trx.updateTable('gcp_providers').set({ ...settings, updated_at: now }).where('name', '=', name).executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) return 'updated';
        await trx.insertInto('gcp_providers').values({ ...row, created_at: now, updated_at: now }).execute();
        return 'added';
      });
    },
    async remove(name: string): Promise<boolean> {
      const result = await db.deleteFrom('gcp_providers').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type GcpProviderRepository = ReturnType<typeof createGcpProviderRepository>;
