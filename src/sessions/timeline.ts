import type { AuditEvent } from '../core/index.ts';

/** One token issued to a session, as the refresh timeline plots it (epoch milliseconds). */
export interface TimelinePoint {
  issuedAt: number;
  expiresAt: number | undefined;
  roleArn: string | undefined;
  jti: string | undefined;
}

/** Reads audit events; the store's audit repository (after a flush) satisfies it. */
export type AuditReader = (query: { sessionId: string; type: string; limit: number }) => Promise<AuditEvent[]>;

/**
 * The tokens a session received, oldest first, from the audit log's `token.minted` events
 * — the same record the audit page shows, so the chart and the log never disagree.
 */
export async function readTokenTimeline(readAudit: AuditReader, sessionId: string, limit = 500): Promise<TimelinePoint[]> {
  const events = await readAudit({ sessionId, type: 'token.minted', limit });
  // The reader answers newest first; reversing before the stable sort keeps same-millisecond events in order.
  return [...events]
    .reverse()
    .map((event) => ({ issuedAt: event.occurredAt, expiresAt: event.expiresAt, roleArn: event.roleArn, jti: event.jti }))
    .sort((a, b) => a.issuedAt - b.issuedAt);
}
