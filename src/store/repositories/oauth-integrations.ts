import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, OAuthIntegrationTable } from '../schema.ts';

export type OAuthIntegrationRow = Selectable<OAuthIntegrationTable>;
export type NewOAuthIntegrationRow = Insertable<OAuthIntegrationTable>;
export type OAuthIntegrationPatch = Updateable<Omit<OAuthIntegrationTable, 'guid' | 'created_at' | 'created_by'>>;

export function createOAuthIntegrationRepository(db: Kysely<Database>) {
  return {
    async insert(row: NewOAuthIntegrationRow): Promise<void> {
      await db.insertInto('oauth_integrations').values(row).execute();
    },
    async findByGuid(guid: string): Promise<OAuthIntegrationRow | undefined> {
      return db.selectFrom('oauth_integrations').selectAll().where('guid', '=', guid).executeTakeFirst();
    },
    async list(): Promise<OAuthIntegrationRow[]> {
      return db.selectFrom('oauth_integrations').selectAll().orderBy('created_at').orderBy('guid').execute();
    },
    /** Applies `patch` only if the row still has `expectedUpdatedAt`; returns whether it did. */
    async update(guid: string, expectedUpdatedAt: number, patch: OAuthIntegrationPatch): Promise<boolean> {
      const result = await db.updateTable('oauth_integrations').set(patch).where('guid', '=', guid).where('updated_at', '=', expectedUpdatedAt).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(guid: string): Promise<boolean> {
      const result = await db.deleteFrom('oauth_integrations').where('guid', '=', guid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type OAuthIntegrationRepository = ReturnType<typeof createOAuthIntegrationRepository>;
