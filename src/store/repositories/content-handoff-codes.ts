import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ContentHandoffCodeTable, Database } from '../schema.ts';

export type ContentHandoffCodeRow = Selectable<ContentHandoffCodeTable>;
export type NewContentHandoffCodeRow = Insertable<ContentHandoffCodeTable>;

export function createContentHandoffCodeRepository(db: Kysely<Database>) {
  return {
    /** Stores a code and drops the expired ones, so the table never grows. */
    async insert(row: NewContentHandoffCodeRow): Promise<void> {
      await db.deleteFrom('content_handoff_codes').where('expires_at', '<', row.created_at).execute();
      await db.insertInto('content_handoff_codes').values(row).execute();
    },
    /** Deletes the code and returns it, in one statement: of two concurrent redemptions exactly one gets the row. */
    async take(codeHash: string): Promise<ContentHandoffCodeRow | undefined> {
      return db.deleteFrom('content_handoff_codes').where('code_hash', '=', codeHash).returningAll().executeTakeFirst();
    },
  };
}

export type ContentHandoffCodeRepository = ReturnType<typeof createContentHandoffCodeRepository>;
