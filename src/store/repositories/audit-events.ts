import { sql, type Kysely, type Selectable } from 'kysely';
import { createBulkInsert } from '../bulk-insert.ts';
import type { AuditEvent } from '../../core/index.ts';
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

/** A page of the audit log, by id (the order events were written), with the audit page's filters. */
export interface AuditPageQuery {
  userName?: string | undefined;
  sessionId?: string | undefined;
  roleArn?: string | undefined;
  /** Exactly this type, or with `typePrefix` every type starting with it (`session.`). */
  type?: string | undefined;
  typePrefix?: string | undefined;
  /** occurred_at range, epoch milliseconds, both inclusive. */
  from?: number | undefined;
  to?: number | undefined;
  /** Keyset paging: only events with a smaller id (newest first) or a larger one (oldest first). */
  beforeId?: number | undefined;
  afterId?: number | undefined;
  limit: number;
  order: 'newest' | 'oldest';
}

/** A stored event with its id (the cursor of the audit page and of the export). */
export interface StoredAuditEvent extends AuditEvent {
  id: number;
}

// SQLite limits bound parameters per statement; 12 columns × 60 rows stays far below it.
const INSERT_CHUNK = 60;

const COLUMNS = ['occurred_at', 'type', 'actor', 'user_name', 'session_id', 'jti', 'kid', 'subject', 'audience', 'role_arn', 'expires_at', 'details'] as const satisfies ReadonlyArray<
  keyof AuditEventTable
>;

export function createAuditEventRepository(db: Kysely<Database>) {
  const bulkInsert = createBulkInsert(db, 'audit_events', COLUMNS, INSERT_CHUNK);
  return {
    async insertMany(events: readonly AuditEvent[]): Promise<void> {
      await bulkInsert(events.map(toRow));
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

function toRow(event: AuditEvent) {
  return {
    occurred_at: event.occurredAt,
    type: event.type,
    actor: event.actor,
    user_name: event.userName ?? null,
    session_id: event.sessionId ?? null,
    jti: event.jti ?? null,
    kid: event.kid ?? null,
    subject: event.subject ?? null,
    audience: event.audience ?? null,
    role_arn: event.roleArn ?? null,
    expires_at: event.expiresAt ?? null,
    details: event.details === undefined ? null : JSON.stringify(event.details),
  };
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
