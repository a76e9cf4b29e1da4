import type { Kysely, Selectable } from 'kysely';
import type { Database, StsProviderTable } from '../schema.ts';

export type StsProviderRow = Selectable<StsProviderTable>;

/** The local STS's OIDC providers, keyed by issuer URL. */
export function createStsProviderRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<StsProviderRow[]> {
      return db.selectFrom('sts_providers').selectAll().orderBy('url', 'asc').execute();
    },
    /** Adds the provider or replaces its client IDs and thumbprints; returns whether it was new. */
    async upsert(row: { url: string; client_ids: string; thumbprints: string }, now: number): Promise<'added' | 'updated'> {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('sts_providers')
          .set({ client_ids: row.client_ids, thumbprints: row.thumbprints, updated_at: now })
          .where('url', '=', row.url)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) return 'updated';
        await trx.insertInto('sts_providers').values({ ...row, created_at: now, updated_at: now }).execute();
        return 'added';
      });
    },
    /** Returns whether a provider was removed. */
    async remove(url: string): Promise<boolean> {
      const result = await db.deleteFrom('sts_providers').where('url', '=', url).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type StsProviderRepository = ReturnType<typeof createStsProviderRepository>;
