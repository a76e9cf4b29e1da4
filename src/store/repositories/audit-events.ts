import { sql, type Kysely, type Selectable } from 'kysely';
import { createBulkInsert } from '../bulk-insert.ts';
import { createSessionTokenNotes, sessionTokenNotesOf } from './session-token-notes.ts';
import { codePointLength, escapeUnsafeText, isSafeText, type AuditEvent, type AuditPageQuery, type StoredAuditEvent } from '../../core/index.ts';
import type { AuditEventTable, Database } from '../schema.ts';

export type AuditEventRow = Selectable<AuditEventTable>;

export interface AuditQuery {
  userName?: string | undefined;
  sessionId?: string | undefined;
  roleArn?: string | undefined;
  type?: string | undefined;
  jti?: string | undefined;
  since?: number | undefined;
  limit?: number | undefined;
}

/**
 * Writes that share a batch of audit rows' transaction, made before the rows: the rows of
 * another table that must commit with their audit event or not at all (audit-writer.ts's
 * companion rows). Resolves to the positions, in the batch, of the events to leave out
 * because their companion row was declined (its key was already taken).
 */
export type CompanionWrite = (trx: Kysely<Database>) => Promise<ReadonlySet<number>>;

/** A table whose rows can commit with an audit event, on that event's transaction. */
export interface CompanionTable<Row> {
  /** Inserts `rows` on `trx`, skipping any whose key is already taken; resolves to the positions (in `rows`) inserted. */
  insertMany(rows: readonly Row[], trx: Kysely<Database>): Promise<ReadonlySet<number>>;
}

const NONE_DECLINED: ReadonlySet<number> = new Set();

// SQLite limits bound parameters per statement; 12 columns × 60 rows stays far below it.
const INSERT_CHUNK = 60;

const COLUMNS = ['occurred_at', 'type', 'actor', 'user_name', 'session_id', 'jti', 'kid', 'subject', 'audience', 'role_arn', 'expires_at', 'details'] as const satisfies ReadonlyArray<
  keyof AuditEventTable
>;

export function createAuditEventRepository(db: Kysely<Database>) {
  const bulkInsert = createBulkInsert(db, 'audit_events', COLUMNS, INSERT_CHUNK);
  const sessionNotes = createSessionTokenNotes(db);
  return {
    /**
     * Writes the rows in one transaction, with what they note on sessions: a session's last
     * token (session-token-notes.ts) commits with its `token.minted` row, one commit for both
     * (unless the session was noted within the last second: then shortly after). `companions`
     * writes first on the same transaction; the events it declines are not written, and their
     * positions are what this resolves to.
     */
    async insertMany(events: readonly AuditEvent[], companions?: CompanionWrite): Promise<ReadonlySet<number>> {
      const { declined, due, later } = await db.transaction().execute(async (trx) => {
        const left = companions === undefined ? NONE_DECLINED : await companions(trx);
        const written = left.size === 0 ? events : events.filter((_, position) => !left.has(position));
        const notes = sessionNotes.split(sessionTokenNotesOf(written));
        await bulkInsert(written.map(toRow), trx);
        if (notes.due.size > 0) await sessionNotes.write(trx, notes.due);
        return { declined: left, ...notes };
      });
      sessionNotes.committed(due, later);
      return declined;
    },
    /** Writes session notes held back (session-token-notes.ts); the broker calls it as it stops. */
    flushSessionNotes: () => sessionNotes.flush(),
    /**
     * Inserts a probe row and rolls it back: resolves when the table takes rows right now,
     * rejects with the database's refusal (down, read-only, INSERT revoked, a trigger).
     */
    async probeWrite(): Promise<void> {
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('audit_events').values({ occurred_at: Date.now(), type: 'audit.probe', actor: 'system' }).execute();
          throw PROBE_ROLLBACK;
        });
      } catch (error) {
        if (error !== PROBE_ROLLBACK) throw error;
      }
    },
    async query(query: AuditQuery = {}): Promise<AuditEvent[]> {
      let select = db.selectFrom('audit_events').selectAll();
      if (query.userName !== undefined) select = select.where('user_name', '=', query.userName);
      if (query.sessionId !== undefined) select = select.where('session_id', '=', query.sessionId);
      if (query.roleArn !== undefined) select = select.where('role_arn', '=', query.roleArn);
      if (query.type !== undefined) select = select.where('type', '=', query.type);
      if (query.jti !== undefined) select = select.where('jti', '=', query.jti);
      if (query.since !== undefined) select = select.where('occurred_at', '>=', query.since);
      const rows = await select.orderBy('id', 'desc').limit(query.limit ?? 500).execute();
      return rows.map(fromRow);
    },
    async page(query: AuditPageQuery): Promise<StoredAuditEvent[]> {
      let select = db.selectFrom('audit_events').selectAll();
      if (query.userName !== undefined) select = select.where('user_name', '=', query.userName);
      if (query.sessionId !== undefined) select = select.where('session_id', '=', query.sessionId);
      if (query.roleArn !== undefined) select = select.where('role_arn', '=', query.roleArn);
      if (query.type !== undefined) select = select.where('type', '=', query.type);
      // substr, not LIKE: `_` in type names is a LIKE wildcard, and both databases spell substr alike.
      if (query.typePrefix !== undefined) select = select.where(sql<string>`substr(type, 1, ${query.typePrefix.length})`, '=', query.typePrefix);
      if (query.from !== undefined) select = select.where('occurred_at', '>=', query.from);
      if (query.to !== undefined) select = select.where('occurred_at', '<=', query.to);
      if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
      if (query.afterId !== undefined) select = select.where('id', '>', query.afterId);
      const rows = await select.orderBy('id', query.order === 'newest' ? 'desc' : 'asc').limit(query.limit).execute();
      return rows.map((row) => ({ ...fromRow(row), id: Number(row.id) }));
    },
  };
}

export type AuditEventRepository = ReturnType<typeof createAuditEventRepository>;

const PROBE_ROLLBACK = new Error('audit probe: rolled back');

/** The widths of the varchar columns (migrations/0001); free-text columns are capped at TEXT_LIMIT. */
const TEXT_LIMIT = 4096;
const DETAILS_LIMIT = 16_384;

/**
 * The row for an event, made safe to write whatever the event holds — defence in depth
 * behind the boundaries' validation: characters no text field may hold (NUL, which
 * PostgreSQL refuses, other controls, lone surrogates, bidirectional controls) are written
 * out as `\u{…}`, and every value fits its column (varchar widths differ on PostgreSQL,
 * not on SQLite), so no caller can make a row that one database takes and the other refuses.
 */
function toRow(event: AuditEvent) {
  return {
    occurred_at: event.occurredAt,
    type: fit(event.type, 64),
    actor: fit(event.actor, 255),
    user_name: fitOptional(event.userName, 255),
    session_id: fitOptional(event.sessionId, 64),
    jti: fitOptional(event.jti, 64),
    kid: fitOptional(event.kid, 64),
    subject: fitOptional(event.subject, TEXT_LIMIT),
    audience: fitOptional(event.audience, TEXT_LIMIT),
    role_arn: fitOptional(event.roleArn, TEXT_LIMIT),
    expires_at: event.expiresAt ?? null,
    details: event.details === undefined ? null : detailsJson(event.details),
  };
}

function fitOptional(value: string | undefined, width: number): string | null {
  return value === undefined ? null : fit(value, width);
}

function fit(value: string, width: number): string {
  const safe = isSafeText(value) ? value : escapeUnsafeText(value);
  if (safe.length <= width || codePointLength(safe) <= width) return safe;
  return `${[...safe].slice(0, width - 1).join('')}…`;
}

/** Details as JSON with every string (keys too) made safe; an oversized document is kept as a marked prefix. */
function detailsJson(details: Record<string, unknown>): string {
  const json = JSON.stringify(details, (_key, value: unknown) => {
    if (typeof value === 'string') return isSafeText(value) ? value : escapeUnsafeText(value);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.every(([key]) => isSafeText(key))) return value;
      return Object.fromEntries(entries.map(([key, inner]) => [escapeUnsafeText(key), inner]));
    }
    return value;
  });
  if (json.length <= DETAILS_LIMIT) return json;
  return JSON.stringify({ truncated: true, json_prefix: json.slice(0, DETAILS_LIMIT / 2) });
}

function fromRow(row: AuditEventRow): AuditEvent {
  return {
    type: row.type,
    actor: row.actor,
    occurredAt: row.occurred_at,
    userName: row.user_name ?? undefined,
    sessionId: row.session_id ?? undefined,
    jti: row.jti ?? undefined,
    kid: row.kid ?? undefined,
    subject: row.subject ?? undefined,
    audience: row.audience ?? undefined,
    roleArn: row.role_arn ?? undefined,
    expiresAt: row.expires_at ?? undefined,
    details: row.details === null ? undefined : (JSON.parse(row.details) as Record<string, unknown>),
  };
}
