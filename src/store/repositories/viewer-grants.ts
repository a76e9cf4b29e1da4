import type { Kysely, Selectable } from 'kysely';
import type { Database, ViewerGrantTable } from '../schema.ts';

export type ViewerGrantRow = Selectable<ViewerGrantTable>;

/**
 * Viewers' grants per (viewer, integration), their tokens sealed by the caller. Refresh reads
 * and writes them inside the grant's lock (see `withLock`), over the lock's transaction.
 */
export function createViewerGrantRepository(db: Kysely<Database>) {
  return {
    async get(userName: string, integrationGuid: string): Promise<ViewerGrantRow | undefined> {
      return db.selectFrom('viewer_grants').selectAll().where('user_name', '=', userName).where('integration_guid', '=', integrationGuid).executeTakeFirst();
    },
    async listByUser(userName: string): Promise<ViewerGrantRow[]> {
      return db.selectFrom('viewer_grants').selectAll().where('user_name', '=', userName).orderBy('integration_guid').execute();
    },
    /** Inserts or replaces the grant. */
    async put(row: ViewerGrantRow): Promise<void> {
      const { user_name: _user, integration_guid: _guid, created_at: _created, ...values } = row;
      await db
        .insertInto('viewer_grants')
        .values(row)
        .onConflict((conflict) => conflict.columns(['user_name', 'integration_guid']).doUpdateSet(values))
        .execute();
    },
    async delete(userName: string, integrationGuid: string): Promise<boolean> {
      const result = await db.deleteFrom('viewer_grants').where('user_name', '=', userName).where('integration_guid', '=', integrationGuid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    /** Drops every grant of an integration (its IdP settings changed: the old tokens may be for another client). */
    async deleteByIntegration(integrationGuid: string): Promise<void> {
      await db.deleteFrom('viewer_grants').where('integration_guid', '=', integrationGuid).execute();
    },
  };
}

export type ViewerGrantRepository = ReturnType<typeof createViewerGrantRepository>;
