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

export interface EventSink {
  record(event: AuditEvent): void;
}
