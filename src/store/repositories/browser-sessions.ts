import type { Kysely, Selectable } from 'kysely';
import type { BrowserSessionTable, Database } from '../schema.ts';

export type BrowserSessionRow = Selectable<BrowserSessionTable>;

/** Browser sign-ins, keyed by the SHA-256 of the cookie's random id. */
export function createBrowserSessionRepository(db: Kysely<Database>) {
  return {
    async insert(row: BrowserSessionRow): Promise<void> {
      await db.insertInto('browser_sessions').values(row).execute();
    },
    /** The session if it exists and has not expired at `now`. */
    async findActive(idHash: string, now: number): Promise<BrowserSessionRow | undefined> {
      return db.selectFrom('browser_sessions').selectAll().where('id_hash', '=', idHash).where('expires_at', '>', now).executeTakeFirst();
    },
    /** Deletes the session; resolves with whether it existed. */
    async delete(idHash: string): Promise<boolean> {
      const result = await db.deleteFrom('browser_sessions').where('id_hash', '=', idHash).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteExpired(now: number): Promise<number> {
      const result = await db.deleteFrom('browser_sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type BrowserSessionRepository = ReturnType<typeof createBrowserSessionRepository>;
