import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { AuditEvent } from '../../core/index.ts';
import type { Database } from '../schema.ts';

/** The latest token handed to a session's agent, as `sessions.last_token_at` / `token_expires_at` keep it. Epoch milliseconds. */
export interface SessionTokenNote {
  at: number;
  expiresAt: number;
}

/** Sessions one statement updates at most (4 parameters each, far below either database's limit). */
const MAX_PER_STATEMENT = 500;

/**
 * The session notes a batch of audit events makes: a `token.minted` row that names a session
 * is a token handed to that session's agent (broker, viewer and cloud-target tokens alike;
 * the session timeline reads the same rows), so the session's last token is its latest such
 * row. Two rows for one session in a batch keep the later token.
 */
export function sessionTokenNotesOf(events: readonly AuditEvent[]): Map<string, SessionTokenNote> {
  const notes = new Map<string, SessionTokenNote>();
  for (const event of events) {
    if (event.type !== 'token.minted' || event.sessionId === undefined || event.expiresAt === undefined) continue;
    const previous = notes.get(event.sessionId);
    if (previous === undefined || previous.at <= event.occurredAt) notes.set(event.sessionId, { at: event.occurredAt, expiresAt: event.expiresAt });
  }
  return notes;
}

/**
 * Writes the notes on `trx`, the transaction of the audit rows they come from: one UPDATE (a
 * CASE per column) for up to 500 sessions, so a batch of refreshes costs one statement, and a
 * token's note commits with its row or not at all. The statement's text is compiled once per
 * session count (as bulk-insert.ts does for INSERTs): building it anew was a query tree of
 * three nodes a session, for every batch.
 */
export function createSessionTokenNotesWriter(db: Kysely<Database>): (trx: Kysely<Database>, notes: ReadonlyMap<string, SessionTokenNote>) => Promise<void> {
  const texts = new Map<number, string>();
  const textFor = (count: number): string => {
    let text = texts.get(count);
    if (text === undefined) {
      const slots = Array.from({ length: count }, () => null);
      // The casts type the parameters for PostgreSQL (SQLite takes them as they are).
      const cases = sql.join(slots.map(() => sql`when ${''} then cast(${0} as bigint)`), sql` `);
      const ids = sql.join(slots.map(() => sql`${''}`));
      text = sql`update sessions set last_token_at = case id ${cases} end, token_expires_at = case id ${cases} end where id in (${ids})`.compile(db).sql;
      texts.set(count, text);
    }
    return text;
  };
  return async (trx, notes) => {
    const rows = [...notes];
    for (let start = 0; start < rows.length; start += MAX_PER_STATEMENT) {
      const part = rows.slice(start, start + MAX_PER_STATEMENT);
      const parameters: unknown[] = [];
      for (const [id, note] of part) parameters.push(id, note.at);
      for (const [id, note] of part) parameters.push(id, note.expiresAt);
      for (const [id] of part) parameters.push(id);
      await trx.executeQuery(CompiledQuery.raw(textFor(part.length), parameters));
    }
  };
}
