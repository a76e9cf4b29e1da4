import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AuditEvent, AuditPageQuery, Clock, StoredAuditEvent } from '../../../core/index.ts';
import { KNOWN_EVENT_TYPES, renderAuditPage, type AuditFilterView } from '../../../web/audit-page.ts';
import { plural } from '../../../web/format.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { listPage } from './paging.ts';
import { safeText } from '../../schemas/text.ts';
import { nonEmpty } from './form-text.ts';

/** Reads a page of the audit log (written through first, so it shows what just happened). */
export type AuditLogReader = (query: AuditPageQuery) => Promise<StoredAuditEvent[]>;

export interface AuditPageOptions {
  readAudit: AuditLogReader;
  clock: Clock;
}

const AUDIT_QUERY = {
  type: 'object',
  properties: { user: safeText(255), session: safeText(64), role: safeText(2048), event: safeText(64), from: safeText(32), to: safeText(32), after: { type: 'string', pattern: '^\\d{1,18}$' } },
} as const;
type AuditQuerystring = { Querystring: { user?: string; session?: string; role?: string; event?: string; from?: string; to?: string; after?: string } };
const PAGE_SIZE = 50;
/** How many rows the export reads at a time while it streams. */
const EXPORT_BATCH = 500;
/** `datetime-local` values: minutes, or seconds. */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/**
 * The admins' audit log: filters (user, session, role, event type or family, time range) that
 * every paging link keeps, pages of 50 newest first by cursor, and the JSON-lines export of
 * everything that matches, streamed oldest first in batches. Registered inside the web scope.
 */
export async function registerAuditPages(scope: FastifyInstance, auth: WebVisitorAuth, options: AuditPageOptions): Promise<void> {
  await scope.register(async (admin) => {
    requireVisitorOn(admin, auth, 'admin');

    admin.get<AuditQuerystring>('/admin/audit', { schema: { querystring: AUDIT_QUERY } }, async (request, reply) => {
      const { filter, query, errors } = readFilter(request.query);
      const rows = await options.readAudit({ ...query, beforeId: request.query.after === undefined ? undefined : Number(request.query.after), limit: PAGE_SIZE + 1, order: 'newest' });
      const list = listPage({
        path: '/admin/audit',
        filter,
        rows,
        pageSize: PAGE_SIZE,
        after: request.query.after,
        cursorOf: (event) => String(event.id),
        summary: (count, more) => `${plural(count, 'event')}${more ? ' on this page' : ''}, newest first`,
        label: 'Pages of the audit log',
      });
      const exportQuery = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return reply.type('text/html; charset=utf-8').send(
        renderAuditPage({
          page: auth.page(request),
          events: list.rows,
          filter,
          now: options.clock.now(),
          pager: list.pager,
          exportHref: `/admin/audit/export${exportQuery.size > 0 ? `?${exportQuery}` : ''}`,
          eventTypes: KNOWN_EVENT_TYPES,
          errors,
        }),
      );
    });

    /** JSON lines, oldest first, one event per line with wire (snake_case) names; streamed, so any size fits. */
    admin.get<AuditQuerystring>('/admin/audit/export', { schema: { querystring: AUDIT_QUERY } }, async (request, reply) => {
      const { query } = readFilter(request.query);
      // The export ends at the newest event when it starts, so a busy broker cannot keep it running.
      const newest = (await options.readAudit({ ...query, limit: 1, order: 'newest' }))[0]?.id ?? 0;
      async function* lines(): AsyncGenerator<string> {
        let afterId = 0;
        for (;;) {
          const batch = await options.readAudit({ ...query, afterId, limit: EXPORT_BATCH, order: 'oldest' });
          for (const event of batch) {
            if (event.id > newest) return;
            yield `${JSON.stringify(auditEventJson(event))}\n`;
          }
          if (batch.length < EXPORT_BATCH) return;
          afterId = batch[batch.length - 1]!.id;
        }
      }
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="roleport-audit.jsonl"')
        .header('cache-control', 'no-store')
        .send(Readable.from(lines()));
    });
  });
}

/** The filter as typed (kept in links and shown in the form) and as the query reads it; a time that cannot be read is named beside its field. */
function readFilter(raw: AuditQuerystring['Querystring']): { filter: AuditFilterView & Record<string, string | undefined>; query: Omit<AuditPageQuery, 'limit' | 'order'>; errors: Record<string, string> } {
  const filter = {
    user: nonEmpty(raw.user),
    session: nonEmpty(raw.session),
    role: nonEmpty(raw.role),
    event: nonEmpty(raw.event),
    from: nonEmpty(raw.from),
    to: nonEmpty(raw.to),
  };
  const errors: Record<string, string> = {};
  const time = (value: string | undefined, id: string, end: boolean): number | undefined => {
    if (value === undefined) return undefined;
    if (!LOCAL_TIME.test(value) || Number.isNaN(Date.parse(`${value}Z`))) {
      errors[id] = `${JSON.stringify(value)} is not a date and time such as 2026-01-31T18:30`;
      return undefined;
    }
    const ms = Date.parse(`${value}Z`);
    // "Until 18:30" includes that whole minute (or second).
    return end ? ms + (value.length === 16 ? 59_999 : 999) : ms;
  };
  const family = filter.event?.endsWith('.*') === true ? filter.event.slice(0, -1) : undefined;
  return {
    filter,
    query: {
      userName: filter.user,
      sessionId: filter.session,
      roleArn: filter.role,
      type: family === undefined ? filter.event : undefined,
      typePrefix: family,
      from: time(filter.from, 'audit-from', false),
      to: time(filter.to, 'audit-to', true),
    },
    errors,
  };
}

function auditEventJson(event: AuditEvent) {
  return {
    occurred_at: new Date(event.occurredAt).toISOString(),
    type: event.type,
    actor: event.actor,
    user: event.userName ?? null,
    session_id: event.sessionId ?? null,
    role_arn: event.roleArn ?? null,
    jti: event.jti ?? null,
    kid: event.kid ?? null,
    subject: event.subject ?? null,
    audience: event.audience ?? null,
    expires_at: event.expiresAt === undefined ? null : new Date(event.expiresAt).toISOString(),
    details: event.details ?? null,
  };
}
