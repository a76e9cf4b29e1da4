import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Notes the latest token handed to a session's agent; resolves once the note is committed. */
export type RecordSessionToken = (id: string, at: number, expiresAt: number) => Promise<void>;

/** Sessions one statement updates at most (4 parameters each, far below either database's limit). */
const MAX_BATCH = 500;

interface Batch {
  rows: Map<string, { at: number; expiresAt: number }>;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * `sessions.last_token_at` / `token_expires_at` for every token exchange, written as a group:
 * the notes of every exchange in the same turn of the event loop, or while the previous write
 * was running, go into one UPDATE (a CASE per column), and each caller is answered when it has
 * committed — one statement and one commit for a batch of refreshes instead of one each. Two
 * notes for one session in a batch keep the later token.
 */
export function createSessionTokenNotes(db: Kysely<Database>): RecordSessionToken {
  let next: Batch | undefined;
  let writing = false;

  const write = async (batch: Batch): Promise<void> => {
    const rows = [...batch.rows];
    for (let start = 0; start < rows.length; start += MAX_BATCH) {
      const part = rows.slice(start, start + MAX_BATCH);
      // The casts type the parameters for PostgreSQL (SQLite takes them as they are).
      const lastTokenAt = sql.join(part.map(([id, note]) => sql`when ${id} then cast(${note.at} as bigint)`), sql` `);
      const expiresAt = sql.join(part.map(([id, note]) => sql`when ${id} then cast(${note.expiresAt} as bigint)`), sql` `);
      const ids = sql.join(part.map(([id]) => sql`${id}`));
      await sql`update sessions set last_token_at = case id ${lastTokenAt} end, token_expires_at = case id ${expiresAt} end where id in (${ids})`.execute(db);
    }
  };

  const drain = async (): Promise<void> => {
    writing = true;
    // Let the rest of this turn's exchanges join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (next !== undefined) {
      const batch = next;
      next = undefined;
      try {
        await write(batch);
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error);
      }
    }
    writing = false;
  };

  return (id, at, expiresAt) =>
    new Promise<void>((resolve, reject) => {
      next ??= { rows: new Map(), waiters: [] };
      const previous = next.rows.get(id);
      if (previous === undefined || previous.at <= at) next.rows.set(id, { at, expiresAt });
      next.waiters.push({ resolve, reject });
      if (!writing) void drain();
    });
}
