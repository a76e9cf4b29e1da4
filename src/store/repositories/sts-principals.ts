import type { Kysely, Selectable } from 'kysely';
import type { Database, StsPrincipalTable } from '../schema.ts';

export type StsPrincipalRow = Selectable<StsPrincipalTable>;

/** The local STS's principals with long-term keys, keyed by ARN and found by access key ID. */
export function createStsPrincipalRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<StsPrincipalRow[]> {
      return db.selectFrom('sts_principals').selectAll().orderBy('arn', 'asc').execute();
    },
    async findByAccessKeyId(accessKeyId: string): Promise<StsPrincipalRow | undefined> {
      return db.selectFrom('sts_principals').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    },
    /**
     * Adds the principal, or replaces the identity policies and session name of an existing
     * one — its access key stays, so the admin need not hand out a new one for a policy change.
     */
    async upsert(row: StsPrincipalRow, now: number): Promise<'added' | 'updated'> {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('sts_principals')
          .set({ kind: row.kind, session_name: row.session_name, identity_policies: row.identity_policies, updated_at: now })
          .where('arn', '=', row.arn)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) return 'updated';
        await trx.insertInto('sts_principals').values({ ...row, created_at: now, updated_at: now }).execute();
        return 'added';
      });
    },
    /** Returns whether a principal was removed; its key stops working at once. */
    async remove(arn: string): Promise<boolean> {
      const result = await db.deleteFrom('sts_principals').where('arn', '=', arn).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type StsPrincipalRepository = ReturnType<typeof createStsPrincipalRepository>;
