import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ContentTable, Database, IntegrationAccessTable } from '../schema.ts';

export type ContentRow = Selectable<ContentTable>;
export type NewContentRow = Insertable<ContentTable>;

/** One content item's association with an integration, and whether the integration's allow-list has the content. */
export interface ContentAssociationRow {
  content_guid: string;
  integration_guid: string;
  created_at: number;
  granted: boolean;
}

/** One entry of an integration's allow-list. */
export type IntegrationAccessRow = Selectable<IntegrationAccessTable>;

export function createContentRepository(db: Kysely<Database>) {
  const associationsWithAccess = () =>
    db
      .selectFrom('content_integrations as ci')
      .leftJoin('integration_access as ia', (join) => join.onRef('ia.integration_guid', '=', 'ci.integration_guid').onRef('ia.content_guid', '=', 'ci.content_guid'))
      .select(['ci.content_guid', 'ci.integration_guid', 'ci.created_at', 'ia.granted_at']);
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
      const rows = await associationsWithAccess().where('ci.content_guid', '=', contentGuid).orderBy('ci.created_at').orderBy('ci.integration_guid').execute();
      return rows.map(toAssociationRow);
    },
    /** Every association, for listing which content uses which integration. */
    async allAssociations(): Promise<ContentAssociationRow[]> {
      return (await associationsWithAccess().orderBy('ci.created_at').execute()).map(toAssociationRow);
    },
    /** The integration's allow-list, oldest grant first. */
    async access(integrationGuid: string): Promise<IntegrationAccessRow[]> {
      return db.selectFrom('integration_access').selectAll().where('integration_guid', '=', integrationGuid).orderBy('granted_at').orderBy('content_guid').execute();
    },
    /** Which of these integrations the content may use. */
    async grantedIntegrations(contentGuid: string): Promise<Set<string>> {
      const rows = await db.selectFrom('integration_access').select('integration_guid').where('content_guid', '=', contentGuid).execute();
      return new Set(rows.map((row) => row.integration_guid));
    },
    /**
     * Replaces the integration's allow-list in one transaction; content that stays on it keeps
     * its first grant's time and author.
     */
    async setAccess(integrationGuid: string, contentGuids: readonly string[], at: number, by: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        let removed = trx.deleteFrom('integration_access').where('integration_guid', '=', integrationGuid);
        if (contentGuids.length > 0) removed = removed.where('content_guid', 'not in', [...contentGuids]);
        await removed.execute();
        if (contentGuids.length > 0) {
          await trx
            .insertInto('integration_access')
            .values(contentGuids.map((contentGuid) => ({ integration_guid: integrationGuid, content_guid: contentGuid, granted_at: at, granted_by: by })))
            .onConflict((conflict) => conflict.columns(['integration_guid', 'content_guid']).doNothing())
            .execute();
        }
      });
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

function toAssociationRow(row: { content_guid: string; integration_guid: string; created_at: number; granted_at: number | null }): ContentAssociationRow {
  return { content_guid: row.content_guid, integration_guid: row.integration_guid, created_at: row.created_at, granted: row.granted_at !== null };
}
