import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuditEvent, Clock } from '../../../core/index.ts';
import { RoleportError } from '../../../core/index.ts';
import type { Session, Sessions, TokenSource } from '../../../sessions/index.ts';
import { renderAuditPage, type AuditFilterView } from '../../../web/audit-page.ts';
import { renderAdminSessions, renderMySessions, renderRolePicker, renderSessionDetail, renderSessionStarted, type SessionPageUser, type SessionView } from '../../../web/session-pages.ts';
import { SESSION_STYLESHEET_PATH, sessionStylesheet } from '../../../web/session-styles.ts';
import { requireVisitorOn, type Visitor, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { safeText } from '../../schemas/text.ts';

/** Reads the audit log (flushed first) with the page's filters. */
export type AuditLogReader = (query: { userName?: string | undefined; sessionId?: string | undefined; roleArn?: string | undefined; type?: string | undefined; limit: number }) => Promise<AuditEvent[]>;

export interface SessionPageOptions {
  sessions: Sessions;
  readAudit: AuditLogReader;
  clock: Clock;
  /** The broker's public URL, shown in the agent command. */
  publicUrl: string;
  /** Viewer sessions need the company IdP's tokens. */
  ssoEnabled: boolean;
}

const CSRF_BODY = { type: 'object', properties: { csrf: safeText(256) } } as const;
const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', pattern: '^ses_[a-z0-9]{1,60}$' } }, required: ['id'] } as const;
const AUDIT_LIMITS = [100, 500, 2000];

/**
 * The session pages: the role picker and start, the user's sessions, one session with its
 * refresh timeline, and for admins every session (revoke) and the audit log with its JSON
 * lines export. Registered inside the web scope (see ./index.ts).
 */
export async function registerSessionPages(scope: FastifyInstance, auth: WebVisitorAuth, options: SessionPageOptions): Promise<void> {
  const { sessions, clock } = options;
  const brokerUrl = options.publicUrl.replace(/\/$/, '');
  const page = (visitor: Visitor): SessionPageUser => ({ username: visitor.user.username, csrfToken: visitor.csrfToken, admin: visitor.user.admin });
  const principal = (visitor: Visitor) => ({ name: visitor.user.username, admin: visitor.user.admin, userName: visitor.user.username });
  const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(body);

  scope.get(SESSION_STYLESHEET_PATH, (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(sessionStylesheet));

  await scope.register(async (pages) => {
    requireVisitorOn(pages, auth, 'visitor');

    pages.get('/sessions/new', async (request, reply) => {
      const visitor = auth.signedIn(request);
      return sendHtml(
        reply,
        renderRolePicker({
          user: page(visitor),
          roles: visitor.user.roles,
          defaults: { region: sessions.settings.defaultRegion, tokenTtlSeconds: Math.min(sessions.settings.defaultTokenTtlSeconds, sessions.settings.maxTokenTtlSeconds), maxTokenTtlSeconds: sessions.settings.maxTokenTtlSeconds, audience: sessions.settings.defaultAudience },
          viewerAvailable: options.ssoEnabled,
        }),
      );
    });

    pages.post<{ Body: { csrf?: string; roles?: string[]; token_source?: string; region?: string; token_ttl_seconds?: number } }>(
      '/sessions',
      {
        schema: {
          body: {
            type: 'object',
            properties: {
              csrf: safeText(256),
              roles: { type: 'array', maxItems: 20, items: safeText(2048) },
              token_source: { type: 'string', enum: ['broker', 'viewer'] },
              region: safeText(32),
              token_ttl_seconds: { type: 'integer', minimum: 1, maximum: 86400 },
            },
          },
        },
      },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        if ((request.body.roles ?? []).length === 0) throw new RoleportError('ERR_INPUT_INVALID', 'pick at least one role');
        const { session, credential } = await sessions.start({
          userName: visitor.user.username,
          roles: request.body.roles ?? [],
          tokenSource: request.body.token_source as TokenSource | undefined,
          region: request.body.region === '' ? undefined : request.body.region,
          tokenTtlSeconds: request.body.token_ttl_seconds,
          by: principal(visitor),
        });
        return sendHtml(reply, renderSessionStarted({ user: page(visitor), session: toView(session), credential, brokerUrl }), 201);
      },
    );

    pages.get('/sessions', async (request, reply) => {
      const visitor = auth.signedIn(request);
      const list = await sessions.list({ userName: visitor.user.username, by: { ...principal(visitor), admin: false } });
      return sendHtml(reply, renderMySessions({ user: page(visitor), sessions: list.map(toView), now: clock.now(), brokerUrl }));
    });

    pages.get<{ Params: { id: string } }>('/sessions/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      const session = await sessions.get(request.params.id, principal(visitor));
      const timeline = await sessions.tokenTimeline(session.id);
      const profileOf = new Map(session.roles.map((role) => [role.arn, role.profile]));
      return sendHtml(
        reply,
        renderSessionDetail({
          user: page(visitor),
          session: toView(session),
          now: clock.now(),
          timeline: timeline.map((point) => ({ issuedAt: point.issuedAt, expiresAt: point.expiresAt, jti: point.jti, role: profileOf.get(point.roleArn ?? '') ?? roleName(point.roleArn) })),
          brokerUrl,
          canEnd: session.state === 'active' && session.userName === visitor.user.username,
          canRevoke: session.state === 'active' && visitor.user.admin,
        }),
      );
    });

    pages.post<{ Params: { id: string }; Body: { csrf?: string } }>('/sessions/:id/end', { schema: { params: ID_PARAMS, body: CSRF_BODY } }, async (request, reply) => {
      await sessions.end(request.params.id, principal(auth.signedIn(request)));
      return reply.redirect(`/sessions/${request.params.id}`, 303);
    });
  });

  await scope.register(async (admin) => {
    requireVisitorOn(admin, auth, 'admin');

    admin.get<{ Querystring: { user?: string; state?: string } }>(
      '/admin/sessions',
      { schema: { querystring: { type: 'object', properties: { user: safeText(255), state: { type: 'string', enum: ['', 'active', 'ended', 'revoked'] } } } } },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        const user = nonEmpty(request.query.user);
        const state = nonEmpty(request.query.state) as Session['state'] | undefined;
        const list = await sessions.list({ userName: user, state, by: principal(visitor) });
        return sendHtml(reply, renderAdminSessions({ user: page(visitor), sessions: list.map(toView), now: clock.now(), filter: { user, state } }));
      },
    );

    admin.post<{ Params: { id: string }; Body: { csrf?: string } }>('/admin/sessions/:id/revoke', { schema: { params: ID_PARAMS, body: CSRF_BODY } }, async (request, reply) => {
      await sessions.revoke(request.params.id, principal(auth.signedIn(request)));
      return reply.redirect('/admin/sessions', 303);
    });

    const auditQuerySchema = {
      querystring: {
        type: 'object',
        properties: { user: safeText(255), session: safeText(64), role: safeText(2048), event: safeText(64), limit: { type: 'integer', enum: AUDIT_LIMITS } },
      },
    };
    type AuditQuerystring = { Querystring: { user?: string; session?: string; role?: string; event?: string; limit?: number } };
    const auditFilter = (query: AuditQuerystring['Querystring']): AuditFilterView => ({
      user: nonEmpty(query.user),
      session: nonEmpty(query.session),
      role: nonEmpty(query.role),
      event: nonEmpty(query.event),
    });
    const readFiltered = (filter: AuditFilterView, limit: number) =>
      options.readAudit({ userName: filter.user, sessionId: filter.session, roleArn: filter.role, type: filter.event, limit });

    admin.get<AuditQuerystring>('/admin/audit', { schema: auditQuerySchema }, async (request, reply) => {
      const filter = auditFilter(request.query);
      const limit = request.query.limit ?? AUDIT_LIMITS[0]!;
      const events = await readFiltered(filter, limit);
      const exportQuery = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return sendHtml(reply, renderAuditPage({ user: page(auth.signedIn(request)), events, filter, limit, exportHref: `/admin/audit/export${exportQuery.size > 0 ? `?${exportQuery}` : ''}` }));
    });

    /** JSON lines, oldest first, one event per line with wire (snake_case) names. */
    admin.get<AuditQuerystring>('/admin/audit/export', { schema: auditQuerySchema }, async (request, reply) => {
      const events = await readFiltered(auditFilter(request.query), request.query.limit ?? 50_000);
      const lines = events.reverse().map((event) => `${JSON.stringify(auditEventJson(event))}\n`);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="roleport-audit.jsonl"')
        .header('cache-control', 'no-store')
        .send(lines.join(''));
    });
  });
}

function toView(session: Session): SessionView {
  return {
    id: session.id,
    user: session.userName,
    state: session.state,
    tokenSource: session.tokenSource,
    audience: session.audience,
    tokenTtlSeconds: session.tokenTtlSeconds,
    region: session.region,
    roles: session.roles,
    gcpTargets: session.gcpTargets,
    azureTargets: session.azureTargets,
    createdAt: session.createdAt,
    endedAt: session.endedAt,
    lastTokenAt: session.lastTokenAt,
    tokenExpiresAt: session.tokenExpiresAt,
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

function roleName(arn: string | undefined): string {
  return arn === undefined ? 'role' : arn.slice(arn.lastIndexOf('/') + 1);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
