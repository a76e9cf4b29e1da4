/** An audit event as domain modules emit it; the store persists it. */
export interface AuditEvent {
  /** Dotted event type: `token.minted`, `key.rotated`, `user.roles_set`, … */
  type: string;
  /** Who caused it: a username, `cli`, `system`, an API key name. */
  actor: string;
  occurredAt: number;
  userName?: string | undefined;
  sessionId?: string | undefined;
  jti?: string | undefined;
  kid?: string | undefined;
  subject?: string | undefined;
  audience?: string | undefined;
  roleArn?: string | undefined;
  expiresAt?: number | undefined;
  details?: Record<string, unknown> | undefined;
}

/** An audit event as stored, with its id: the order events were written, the cursor of paging. */
export interface StoredAuditEvent extends AuditEvent {
  id: number;
}

/** A page of the audit log (the admins' page and its export): filters and a cursor on the id. */
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

/**
 * Where domain modules send audit events. Two kinds, by what the event guards:
 * - `commit`: the event accompanies a secret leaving the broker (a token, credentials, a
 *   session credential, an API key or token, a sign-in cookie). It resolves once the row is
 *   committed and rejects when it cannot be; the caller hands the secret out only after.
 * - `record`: everything else (state changes the database already holds, refusals). Queued
 *   and written within a fraction of a second, never awaited.
 */
export interface EventSink {
  record(event: AuditEvent): void;
  commit(event: AuditEvent): Promise<void>;
}
