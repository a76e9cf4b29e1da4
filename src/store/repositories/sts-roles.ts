import type { Kysely, Selectable } from 'kysely';
import type { Database, StsRoleTable } from '../schema.ts';

export type StsRoleRow = Selectable<StsRoleTable>;

/** The local STS's IAM roles, keyed by ARN. */
export function createStsRoleRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<StsRoleRow[]> {
      return db.selectFrom('sts_roles').selectAll().orderBy('arn', 'asc').execute();
    },
    /** Adds the role or replaces its trust policy, maximum session duration, tags and permission policies. */
    async upsert(
      row: { arn: string; trust_policy: string; max_session_duration: number; tags: string; permission_policies: string },
      now: number,
    ): Promise<'added' | 'updated'> {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('sts_roles')
          .set({ trust_policy: row.trust_policy, max_session_duration: row.max_session_duration, tags: row.tags, permission_policies: row.permission_policies, updated_at: now })
          .where('arn', '=', row.arn)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) return 'updated';
        await trx.insertInto('sts_roles').values({ ...row, created_at: now, updated_at: now }).execute();
        return 'added';
      });
    },
    async remove(arn: string): Promise<boolean> {
      const result = await db.deleteFrom('sts_roles').where('arn', '=', arn).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type StsRoleRepository = ReturnType<typeof createStsRoleRepository>;
