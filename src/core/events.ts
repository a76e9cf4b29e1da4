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
