import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEvent, Clock } from '../../../core/index.ts';
import { RoleportError } from '../../../core/index.ts';
import { cliLoginRedirect, validateCliLoginRequest, type Session, type Sessions, type SessionUser, type TokenSource } from '../../../sessions/index.ts';
import type { Sso } from '../../../sso/index.ts';
import { renderAuditPage, type AuditFilterView } from '../../../web/audit-page.ts';
import { renderAdminSessions, renderMySessions, renderRolePicker, renderSessionDetail, renderSessionStarted, type SessionPageUser, type SessionView } from '../../../web/session-pages.ts';
import { SESSION_STYLESHEET_PATH, sessionStylesheet } from '../../../web/session-styles.ts';
import { createCookieSigner, registerCookieSupport } from '../../plugins/cookies.ts';
import { checkCsrf } from '../../plugins/csrf.ts';
import { registerHtmlErrorHandler } from '../../plugins/html-errors.ts';
import { registerPageHeaders } from '../../plugins/page-headers.ts';
import { safeText } from '../../schemas/text.ts';
import { SESSION_COOKIE } from './index.ts';

/** Reads the audit log (flushed first) with the page's filters. */
export type AuditLogReader = (query: { userName?: string | undefined; sessionId?: string | undefined; roleArn?: string | undefined; type?: string | undefined; limit: number }) => Promise<AuditEvent[]>;

export interface SessionWebRouteOptions {
  sessions: Sessions;
  sso: Pick<Sso, 'enabled' | 'cookieSecret' | 'sessions'>;
  users: { findById(id: string): Promise<{ username: string } | undefined> };
  readAudit: AuditLogReader;
  clock: Clock;
  /** The broker's public URL: shown in the agent command, and the only origin forms may come from. */
  publicUrl: string;
}

interface Visitor {
  browserSessionId: string;
  user: SessionUser;
  page: SessionPageUser;
}

const CSRF_BODY = { type: 'object', properties: { csrf: safeText(256) } } as const;
const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', pattern: '^ses_[a-z0-9]{1,60}$' } }, required: ['id'] } as const;
const AUDIT_LIMITS = [100, 500, 2000];

/**
 * The session pages: the role picker and start, the user's sessions, one session with its
 * refresh timeline, and for admins every session (revoke) and the audit log with its JSON
 * lines export; plus `/cli/login`, the browser half of the CLI's loopback sign-in. They reuse
 * the SSO module's browser session, CSRF tokens, HTML error pages and page headers.
 */
export async function registerSessionWebRoutes(app: FastifyInstance, options: SessionWebRouteOptions): Promise<void> {
  const { sessions, sso, clock } = options;
  const signer = createCookieSigner(sso.cookieSecret);
  const publicOrigin = new URL(options.publicUrl).origin;
  const brokerUrl = options.publicUrl.replace(/\/$/, '');

  /** The signed-in visitor, or undefined. Read from the database each time: role and admin changes show at once. */
  const visitor = async (request: FastifyRequest): Promise<Visitor | undefined> => {
    const id = signer.unsign(request.cookies[SESSION_COOKIE]);
    if (id === undefined) return undefined;
    const browserSession = await sso.sessions.resolve(id);
    if (browserSession === undefined) return undefined;
    const account = await options.users.findById(browserSession.userId);
    const user = account === undefined ? undefined : await sessions.findUser(account.username);
    if (user === undefined) return undefined;
    return { browserSessionId: id, user, page: { username: user.username, csrfToken: sso.sessions.csrfToken(id), admin: user.admin } };
  };

  /** Pages need a signed-in visitor; anyone else is sent to sign in and brought back. */
  const requireVisitor = async (request: FastifyRequest, reply: FastifyReply): Promise<Visitor | undefined> => {
    const current = await visitor(request);
    if (current === undefined) {
      void reply.redirect(`/login?return_to=${encodeURIComponent(request.method === 'GET' ? request.url : '/sessions')}`, 303);
    }
    return current;
  };

  const requireAdmin = (current: Visitor): void => {
    if (!current.user.admin) throw new RoleportError('ERR_FORBIDDEN', 'this page is for admins');
  };

  const verifyForm = (request: FastifyRequest<{ Body: { csrf?: string } | undefined }>, current: Visitor): void => {
    checkCsrf(request, request.body?.csrf, { expectedOrigin: publicOrigin, verifyToken: (token) => sso.sessions.verifyCsrf(current.browserSessionId, token) });
  };

  const principal = (current: Visitor) => ({ name: current.user.username, admin: current.user.admin, userName: current.user.username });
  const sendHtml = (reply: FastifyReply, page: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(page);

  await app.register(async (scope) => {
    await registerCookieSupport(scope);
    registerHtmlErrorHandler(scope);
    registerPageHeaders(scope);

    scope.get(SESSION_STYLESHEET_PATH, (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(sessionStylesheet));

    scope.get('/sessions/new', async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      return sendHtml(
        reply,
        renderRolePicker({
          user: current.page,
          roles: current.user.roles,
          defaults: { region: sessions.settings.defaultRegion, tokenTtlSeconds: Math.min(sessions.settings.defaultTokenTtlSeconds, sessions.settings.maxTokenTtlSeconds), maxTokenTtlSeconds: sessions.settings.maxTokenTtlSeconds, audience: sessions.settings.defaultAudience },
          viewerAvailable: sso.enabled,
        }),
      );
    });

    scope.post<{ Body: { csrf?: string; roles?: string[]; token_source?: string; region?: string; token_ttl_seconds?: number } }>(
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
        const current = await requireVisitor(request, reply);
        if (current === undefined) return reply;
        verifyForm(request, current);
        if ((request.body.roles ?? []).length === 0) throw new RoleportError('ERR_INPUT_INVALID', 'pick at least one role');
        const { session, credential } = await sessions.start({
          userName: current.user.username,
          roles: request.body.roles ?? [],
          tokenSource: request.body.token_source as TokenSource | undefined,
          region: request.body.region === '' ? undefined : request.body.region,
          tokenTtlSeconds: request.body.token_ttl_seconds,
          by: principal(current),
        });
        return sendHtml(reply, renderSessionStarted({ user: current.page, session: toView(session), credential, brokerUrl }), 201);
      },
    );

    scope.get('/sessions', async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      const list = await sessions.list({ userName: current.user.username, by: { ...principal(current), admin: false } });
      return sendHtml(reply, renderMySessions({ user: current.page, sessions: list.map(toView), now: clock.now(), brokerUrl }));
    });

    scope.get<{ Params: { id: string } }>('/sessions/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      const session = await sessions.get(request.params.id, principal(current));
      const timeline = await sessions.tokenTimeline(session.id);
      const profileOf = new Map(session.roles.map((role) => [role.arn, role.profile]));
      return sendHtml(
        reply,
        renderSessionDetail({
          user: current.page,
          session: toView(session),
          now: clock.now(),
          timeline: timeline.map((point) => ({ issuedAt: point.issuedAt, expiresAt: point.expiresAt, jti: point.jti, role: profileOf.get(point.roleArn ?? '') ?? roleName(point.roleArn) })),
          brokerUrl,
          canEnd: session.state === 'active' && session.userName === current.user.username,
          canRevoke: session.state === 'active' && current.user.admin,
        }),
      );
    });

    scope.post<{ Params: { id: string }; Body: { csrf?: string } }>('/sessions/:id/end', { schema: { params: ID_PARAMS, body: CSRF_BODY } }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      verifyForm(request, current);
      await sessions.end(request.params.id, principal(current));
      return reply.redirect(`/sessions/${request.params.id}`, 303);
    });

    scope.get<{ Querystring: { user?: string; state?: string } }>(
      '/admin/sessions',
      { schema: { querystring: { type: 'object', properties: { user: safeText(255), state: { type: 'string', enum: ['', 'active', 'ended', 'revoked'] } } } } },
      async (request, reply) => {
        const current = await requireVisitor(request, reply);
        if (current === undefined) return reply;
        requireAdmin(current);
        const user = nonEmpty(request.query.user);
        const state = nonEmpty(request.query.state) as Session['state'] | undefined;
        const list = await sessions.list({ userName: user, state, by: principal(current) });
        return sendHtml(reply, renderAdminSessions({ user: current.page, sessions: list.map(toView), now: clock.now(), filter: { user, state } }));
      },
    );

    scope.post<{ Params: { id: string }; Body: { csrf?: string } }>('/admin/sessions/:id/revoke', { schema: { params: ID_PARAMS, body: CSRF_BODY } }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      requireAdmin(current);
      verifyForm(request, current);
      await sessions.revoke(request.params.id, principal(current));
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

    scope.get<AuditQuerystring>('/admin/audit', { schema: auditQuerySchema }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      requireAdmin(current);
      const filter = auditFilter(request.query);
      const limit = request.query.limit ?? AUDIT_LIMITS[0]!;
      const events = await readFiltered(filter, limit);
      const exportQuery = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return sendHtml(reply, renderAuditPage({ user: current.page, events, filter, limit, exportHref: `/admin/audit/export${exportQuery.size > 0 ? `?${exportQuery}` : ''}` }));
    });

    /** JSON lines, oldest first, one event per line with wire (snake_case) names. */
    scope.get<AuditQuerystring>('/admin/audit/export', { schema: auditQuerySchema }, async (request, reply) => {
      const current = await requireVisitor(request, reply);
      if (current === undefined) return reply;
      requireAdmin(current);
      const events = await readFiltered(auditFilter(request.query), request.query.limit ?? 50_000);
      const lines = events.reverse().map((event) => `${JSON.stringify(auditEventJson(event))}\n`);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="roleport-audit.jsonl"')
        .header('cache-control', 'no-store')
        .send(lines.join(''));
    });

    scope.get<{ Querystring: Record<string, string | undefined> }>(
      '/cli/login',
      { schema: { querystring: { type: 'object', properties: { redirect_uri: safeText(2048), state: safeText(512), code_challenge: safeText(128), code_challenge_method: safeText(16) } } } },
      async (request, reply) => {
        // Checked before sign-in: a bad request never sends anyone through the IdP.
        const login = validateCliLoginRequest(request.query);
        const current = await requireVisitor(request, reply);
        if (current === undefined) return reply;
        const code = await sessions.cliLogin.issueCode(current.user.username, login);
        return reply.redirect(cliLoginRedirect(login, code), 303);
      },
    );
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
