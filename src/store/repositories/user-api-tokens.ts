import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, UserApiTokenTable } from '../schema.ts';

export type UserApiTokenRow = Selectable<UserApiTokenTable>;
export type NewUserApiTokenRow = Insertable<UserApiTokenTable>;

export function createUserApiTokenRepository(db: Kysely<Database>) {
  return {
    async insert(row: NewUserApiTokenRow): Promise<void> {
      await db.insertInto('user_api_tokens').values(row).execute();
    },
    async findById(id: string): Promise<UserApiTokenRow | undefined> {
      return db.selectFrom('user_api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listByUser(userName: string): Promise<UserApiTokenRow[]> {
      return db.selectFrom('user_api_tokens').selectAll().where('user_name', '=', userName).orderBy('created_at', 'desc').execute();
    },
    async revoke(id: string, at: number): Promise<boolean> {
      const result = await db.updateTable('user_api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type UserApiTokenRepository = ReturnType<typeof createUserApiTokenRepository>;
