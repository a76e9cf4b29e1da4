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

export interface SessionTokenNotesOptions {
  /** A session noted less than this long ago has its next notes held back, written together at most this long later (default 1 s). */
  coalesceMs?: number;
  /** Wall-clock milliseconds (default `Date.now`). */
  now?: () => number;
}

export interface SessionTokenNotes {
  /**
   * Splits the notes of a batch of audit rows: `due` to be written on the rows' own
   * transaction, `later` held back until `committed` is told the rows are in.
   */
  split(notes: ReadonlyMap<string, SessionTokenNote>): { due: Map<string, SessionTokenNote>; later: Map<string, SessionTokenNote> };
  /** Writes `due` notes on `trx`, the transaction of the audit rows they come from. */
  write(trx: Kysely<Database>, due: ReadonlyMap<string, SessionTokenNote>): Promise<void>;
  /** The rows of a split have committed: `due` notes are written, `later` ones may now be. */
  committed(due: ReadonlyMap<string, SessionTokenNote>, later: ReadonlyMap<string, SessionTokenNote>): void;
  /** Writes the held-back notes now. */
  flush(): Promise<void>;
}

/**
 * `sessions.last_token_at` / `token_expires_at`, kept from the session's `token.minted` rows.
 *
 * A session's note is written **with its token's audit row**, in the same transaction, one
 * UPDATE (a CASE per column) for up to 500 sessions — so an agent's refresh (one every 48
 * seconds or more) is on the session the moment its token is. A session refreshed again less
 * than `coalesceMs` after its last note (a client exchanging in a loop) has its later notes
 * held back and written together, the latest one, at most `coalesceMs` later: each note
 * rewrites the session's page, and thousands a second for one session would only rewrite the
 * same page. A held-back note is written only once its token's row has committed; one not yet
 * written when the process dies is lost, the token's audit row is not (the session timeline
 * reads those rows).
 *
 * The UPDATE's text is compiled once per session count (as bulk-insert.ts does for INSERTs):
 * building it anew was a query tree of three nodes a session, for every batch.
 */
export function createSessionTokenNotes(db: Kysely<Database>, options: SessionTokenNotesOptions = {}): SessionTokenNotes {
  const coalesceMs = options.coalesceMs ?? 1000;
  const now = options.now ?? Date.now;
  /** When each session's note was last written (wall clock); entries older than `coalesceMs` are dropped at each flush. */
  const writtenAt = new Map<string, number>();
  let heldBack = new Map<string, SessionTokenNote>();
  let timer: NodeJS.Timeout | undefined;

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

  const write = async (trx: Kysely<Database>, notes: ReadonlyMap<string, SessionTokenNote>): Promise<void> => {
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

  let sweptAt = now();
  const markWritten = (notes: ReadonlyMap<string, SessionTokenNote>): void => {
    const at = now();
    for (const id of notes.keys()) writtenAt.set(id, at);
    // Forget sessions noted long enough ago, at most once per period: the map holds about one
    // period's worth of sessions, however many have come and gone.
    if (at - sweptAt >= coalesceMs) {
      sweptAt = at;
      for (const [id, written] of writtenAt) if (written <= at - coalesceMs) writtenAt.delete(id);
    }
  };

  const keep = (notes: ReadonlyMap<string, SessionTokenNote>): void => {
    for (const [id, note] of notes) {
      const previous = heldBack.get(id);
      if (previous === undefined || previous.at <= note.at) heldBack.set(id, note);
    }
  };

  const hold = (notes: ReadonlyMap<string, SessionTokenNote>): void => {
    keep(notes);
    if (heldBack.size > 0 && timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        void flush().catch(() => {
          // The database refused (or is closed): the notes stay held back, and the next
          // batch that commits schedules another try.
        });
      }, coalesceMs);
      timer.unref();
    }
  };

  const flush = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const notes = heldBack;
    heldBack = new Map();
    if (notes.size === 0) return;
    try {
      await db.transaction().execute((trx) => write(trx, notes));
    } catch (error) {
      keep(notes);
      throw error;
    }
    markWritten(notes);
  };

  return {
    split(notes) {
      const due = new Map<string, SessionTokenNote>();
      const later = new Map<string, SessionTokenNote>();
      const recent = now() - coalesceMs;
      for (const [id, note] of notes) ((writtenAt.get(id) ?? -Infinity) > recent ? later : due).set(id, note);
      return { due, later };
    },
    write,
    committed(due, later) {
      markWritten(due);
      if (later.size > 0) hold(later);
    },
    flush,
  };
}
