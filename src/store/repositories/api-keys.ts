import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApiKeyTable, Database } from '../schema.ts';

export type ApiKeyRow = Selectable<ApiKeyTable>;
export type NewApiKeyRow = Insertable<ApiKeyTable>;

export function createApiKeyRepository(db: Kysely<Database>) {
  return {
    async insert(row: NewApiKeyRow): Promise<void> {
      await db.insertInto('api_keys').values(row).execute();
    },
    async findById(id: string): Promise<ApiKeyRow | undefined> {
      return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async list(): Promise<ApiKeyRow[]> {
      return db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
    },
    async revoke(id: string, at: number): Promise<boolean> {
      const result = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async touch(id: string, at: number): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
