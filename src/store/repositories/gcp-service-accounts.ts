import type { Kysely, Selectable } from 'kysely';
import type { Database, GcpServiceAccountTable } from '../schema.ts';

export type GcpServiceAccountRow = Selectable<GcpServiceAccountTable>;

/** The local Google STS's service accounts and who may impersonate them. */
export function createGcpServiceAccountRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<GcpServiceAccountRow[]> {
      return db.selectFrom('gcp_service_accounts').selectAll().orderBy('email', 'asc').execute();
    },
    async upsert(row: { email: string; members: string }, now: number): Promise<'added' | 'updated'> {
      return db.transaction().execute(async (trx) => {
        const updated = await trx.updateTable('gcp_service_accounts').set({ members: row.members, updated_at: now }).where('email', '=', row.email).executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) return 'updated';
        await trx.insertInto('gcp_service_accounts').values({ ...row, created_at: now, updated_at: now }).execute();
        return 'added';
      });
    },
    async remove(email: string): Promise<boolean> {
      const result = await db.deleteFrom('gcp_service_accounts').where('email', '=', email).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type GcpServiceAccountRepository = ReturnType<typeof createGcpServiceAccountRepository>;
