import { sql, type Kysely } from 'kysely';
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
 * token's note commits with its row or not at all.
 */
export async function writeSessionTokenNotes(trx: Kysely<Database>, notes: ReadonlyMap<string, SessionTokenNote>): Promise<void> {
  const rows = [...notes];
  for (let start = 0; start < rows.length; start += MAX_PER_STATEMENT) {
    const part = rows.slice(start, start + MAX_PER_STATEMENT);
    // The casts type the parameters for PostgreSQL (SQLite takes them as they are).
    const lastTokenAt = sql.join(part.map(([id, note]) => sql`when ${id} then cast(${note.at} as bigint)`), sql` `);
    const expiresAt = sql.join(part.map(([id, note]) => sql`when ${id} then cast(${note.expiresAt} as bigint)`), sql` `);
    const ids = sql.join(part.map(([id]) => sql`${id}`));
    await sql`update sessions set last_token_at = case id ${lastTokenAt} end, token_expires_at = case id ${expiresAt} end where id in (${ids})`.execute(trx);
  }
}
