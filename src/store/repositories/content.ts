import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ContentTable, Database } from '../schema.ts';

export type ContentRow = Selectable<ContentTable>;
export type NewContentRow = Insertable<ContentTable>;

/** One content item's association with an integration, with the integration's name. */
export interface ContentAssociationRow {
  content_guid: string;
  integration_guid: string;
  created_at: number;
}

export function createContentRepository(db: Kysely<Database>) {
  return {
    async insert(row: NewContentRow): Promise<void> {
      await db.insertInto('content').values(row).execute();
    },
    async findByGuid(guid: string): Promise<ContentRow | undefined> {
      return db.selectFrom('content').selectAll().where('guid', '=', guid).executeTakeFirst();
    },
    async findByName(name: string): Promise<ContentRow | undefined> {
      return db.selectFrom('content').selectAll().where('name', '=', name).executeTakeFirst();
    },
    async list(): Promise<ContentRow[]> {
      return db.selectFrom('content').selectAll().orderBy('created_at').orderBy('guid').execute();
    },
    async delete(guid: string): Promise<boolean> {
      const result = await db.deleteFrom('content').where('guid', '=', guid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async associations(contentGuid: string): Promise<ContentAssociationRow[]> {
      return db.selectFrom('content_integrations').selectAll().where('content_guid', '=', contentGuid).orderBy('created_at').orderBy('integration_guid').execute();
    },
    /** Every association, for listing which content uses which integration. */
    async allAssociations(): Promise<ContentAssociationRow[]> {
      return db.selectFrom('content_integrations').selectAll().orderBy('created_at').execute();
    },
    /** Replaces the content's associations in one transaction. */
    async setAssociations(contentGuid: string, integrationGuids: readonly string[], at: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('content_integrations').where('content_guid', '=', contentGuid).execute();
        if (integrationGuids.length > 0) {
          await trx
            .insertInto('content_integrations')
            .values(integrationGuids.map((integrationGuid) => ({ content_guid: contentGuid, integration_guid: integrationGuid, created_at: at })))
            .execute();
        }
      });
    },
  };
}

export type ContentRepository = ReturnType<typeof createContentRepository>;
