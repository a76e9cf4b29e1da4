import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../../../core/index.ts';
import { isRoleportError } from '../../../core/index.ts';
import type { Principal, Session, Sessions, TokenSource } from '../../../sessions/index.ts';
import { errorsFromMessage, type FormFieldName } from '../../../web/components.ts';
import type { CommandSettings } from '../../../web/session-commands.ts';
import {
  renderRolePicker,
  renderSessionDetail,
  renderSessionList,
  renderSessionStarted,
  sessionsSummary,
  type RolePickerValues,
  type SessionView,
} from '../../../web/session-pages.ts';
import { requireVisitorOn, type Visitor, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { backWithNotice, CONFIRMABLE_FIELDS, confirmed, type ConfirmableBody } from './confirmation.ts';
import { listPage } from './paging.ts';
import { safeText } from '../../schemas/text.ts';
import { nonEmpty } from './form-text.ts';

export interface SessionPageOptions {
  sessions: Sessions;
  clock: Clock;
  /** How the session pages write the commands to paste (the broker's URL, the roleport command, the STS). */
  commands: CommandSettings;
  /** Viewer sessions need the company IdP's tokens. */
  ssoEnabled: boolean;
}

const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', pattern: '^ses_[a-z0-9]{1,60}$' } }, required: ['id'] } as const;
/** A page of sessions, newest first: `after` is the last one of the page before (`<createdAt>.<id>`). */
const LIST_QUERY = {
  type: 'object',
  properties: { state: { type: 'string', enum: ['', 'active', 'ended', 'revoked'] }, user: safeText(255), after: { type: 'string', pattern: '^\\d{1,16}\\.ses_[a-z0-9]{1,60}$' } },
} as const;
type ListQuery = { Querystring: { state?: string; user?: string; after?: string } };
const PAGE_SIZE = 25;

/** The start form's fields as the sessions module's messages name them. */
const START_FIELDS: readonly FormFieldName[] = [
  { wire: 'region', id: 'region', label: 'AWS region' },
  { wire: 'token_ttl_seconds', id: 'token-ttl', label: 'Token lifetime' },
  { wire: 'token_source', id: 'token-source', label: 'Token source' },
];

/**
 * The session pages: the role picker and start, the visitor's sessions, one session with its
 * refresh timeline and the commands to use it, and for admins every session (revoke).
 * Registered inside the web scope (see ./index.ts).
 */
export async function registerSessionPages(scope: FastifyInstance, auth: WebVisitorAuth, options: SessionPageOptions): Promise<void> {
  const { sessions, clock } = options;
  const principal = (visitor: Visitor): Principal => ({ name: visitor.user.username, admin: visitor.user.admin, userName: visitor.user.username });
  const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(body);
  const pickerDefaults = () => ({
    region: sessions.settings.defaultRegion,
    tokenTtlSeconds: Math.min(sessions.settings.defaultTokenTtlSeconds, sessions.settings.maxTokenTtlSeconds),
    maxTokenTtlSeconds: sessions.settings.maxTokenTtlSeconds,
    audience: sessions.settings.defaultAudience,
  });

  /** One page of sessions for a list, its filter kept in the paging links. */
  const listSessions = async (path: string, query: ListQuery['Querystring'], userName: string | undefined, by: Principal) => {
    const state = nonEmpty(query.state) as Session['state'] | undefined;
    const after = parseCursor(query.after);
    const rows = await sessions.list({ userName, state, limit: PAGE_SIZE + 1, after, by });
    return listPage({
      path,
      filter: { user: query.user === undefined ? undefined : nonEmpty(query.user), state },
      rows,
      pageSize: PAGE_SIZE,
      after: query.after,
      cursorOf: (session) => `${session.createdAt}.${session.id}`,
      summary: (count, more) => sessionsSummary(count, more),
      label: 'Pages of sessions',
    });
  };

  await scope.register(async (pages) => {
    requireVisitorOn(pages, auth, 'visitor');

    pages.get('/sessions/new', async (request, reply) => {
      const visitor = auth.signedIn(request);
      return sendHtml(reply, renderRolePicker({ page: auth.page(request), roles: visitor.user.roles, defaults: pickerDefaults(), viewerAvailable: options.ssoEnabled }));
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
        const roles = request.body.roles ?? [];
        const values: RolePickerValues = {
          roles,
          tokenSource: request.body.token_source ?? 'broker',
          tokenTtlSeconds: request.body.token_ttl_seconds ?? pickerDefaults().tokenTtlSeconds,
          region: request.body.region ?? '',
        };
        // A refused start shows the form again as it was sent, the problem beside its field.
        const refuse = (status: number, errors: Record<string, string>, error?: string) =>
          sendHtml(reply, renderRolePicker({ page: auth.page(request), roles: visitor.user.roles, defaults: pickerDefaults(), viewerAvailable: options.ssoEnabled, values, errors, error }), status);
        if (roles.length === 0) return refuse(400, { 'role-picker': 'pick at least one role' });
        try {
          const { session, credential } = await sessions.start({
            userName: visitor.user.username,
            roles,
            tokenSource: request.body.token_source as TokenSource | undefined,
            region: request.body.region === '' ? undefined : request.body.region,
            tokenTtlSeconds: request.body.token_ttl_seconds,
            by: principal(visitor),
          });
          return sendHtml(reply, renderSessionStarted({ page: auth.page(request), session: toView(session), credential, commands: options.commands }), 201);
        } catch (error) {
          if (!isRoleportError(error) || (error.code !== 'ERR_INPUT_INVALID' && error.code !== 'ERR_FORBIDDEN')) throw error;
          const placed = errorsFromMessage(error.message, START_FIELDS);
          return refuse(error.status, placed.errors, placed.general);
        }
      },
    );

    pages.get<ListQuery>('/sessions', { schema: { querystring: LIST_QUERY } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      // Only the visitor's own, admin or not: everyone's are on /admin/sessions.
      const list = await listSessions('/sessions', { ...request.query, user: undefined }, visitor.user.username, { ...principal(visitor), admin: false });
      return sendHtml(reply, renderSessionList({ page: auth.page(request), scope: 'mine', sessions: list.rows.map(toView), now: clock.now(), filter: list.filter, pager: list.pager }));
    });

    pages.get<{ Params: { id: string } }>('/sessions/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      const session = await sessions.get(request.params.id, principal(visitor));
      const timeline = await sessions.tokenTimeline(session.id);
      const profileOf = new Map(session.roles.map((role) => [role.arn, role.profile]));
      return sendHtml(
        reply,
        renderSessionDetail({
          page: auth.page(request),
          session: toView(session),
          now: clock.now(),
          timeline: timeline.map((point) => ({ issuedAt: point.issuedAt, expiresAt: point.expiresAt, jti: point.jti, role: profileOf.get(point.roleArn ?? '') ?? roleName(point.roleArn) })),
          commands: options.commands,
          canEnd: session.state === 'active' && session.userName === visitor.user.username,
          canRevoke: session.state === 'active' && visitor.user.admin,
        }),
      );
    });

    pages.post<{ Params: { id: string }; Body: ConfirmableBody }>(
      '/sessions/:id/end',
      { schema: { params: ID_PARAMS, body: { type: 'object', properties: CONFIRMABLE_FIELDS } } },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        // Checked before asking: someone else's session does not exist for this visitor.
        const session = await sessions.get(request.params.id, { ...principal(visitor), admin: false });
        const go = confirmed(request, reply, {
          page: auth.page(request),
          title: 'End this session?',
          question: `End session ${session.id}?`,
          consequence: 'Its agent gets no new token, so its AWS credentials stop refreshing and expire. This cannot be undone: start a new session to work again.',
          confirmLabel: 'End session',
          danger: false,
        });
        if (!go) return reply;
        await sessions.end(session.id, principal(visitor));
        return reply.redirect(backWithNotice(request.body.return_to, 'session-ended', `/sessions/${session.id}`), 303);
      },
    );
  });

  await scope.register(async (admin) => {
    requireVisitorOn(admin, auth, 'admin');

    admin.get<ListQuery>('/admin/sessions', { schema: { querystring: LIST_QUERY } }, async (request, reply) => {
      const visitor = auth.signedIn(request);
      const list = await listSessions('/admin/sessions', request.query, nonEmpty(request.query.user), principal(visitor));
      return sendHtml(reply, renderSessionList({ page: auth.page(request), scope: 'all', sessions: list.rows.map(toView), now: clock.now(), filter: list.filter, pager: list.pager }));
    });

    admin.post<{ Params: { id: string }; Body: ConfirmableBody }>(
      '/admin/sessions/:id/revoke',
      { schema: { params: ID_PARAMS, body: { type: 'object', properties: CONFIRMABLE_FIELDS } } },
      async (request, reply) => {
        const visitor = auth.signedIn(request);
        const session = await sessions.get(request.params.id, principal(visitor));
        const go = confirmed(request, reply, {
          page: auth.page(request),
          title: 'Revoke this session?',
          question: `Revoke ${session.userName}'s session ${session.id}?`,
          consequence: 'Its agent gets no new token from its next request on; the AWS credentials it already holds expire on their own.',
          confirmLabel: 'Revoke session',
          danger: true,
        });
        if (!go) return reply;
        await sessions.revoke(session.id, principal(visitor));
        return reply.redirect(backWithNotice(request.body.return_to, 'session-revoked', '/admin/sessions'), 303);
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
    gcpTargets: session.gcpTargets,
    azureTargets: session.azureTargets,
    createdAt: session.createdAt,
    endedAt: session.endedAt,
    endedBy: session.endedBy,
    lastTokenAt: session.lastTokenAt,
    tokenExpiresAt: session.tokenExpiresAt,
  };
}

function parseCursor(value: string | undefined): { createdAt: number; id: string } | undefined {
  if (value === undefined) return undefined;
  const dot = value.indexOf('.');
  return { createdAt: Number(value.slice(0, dot)), id: value.slice(dot + 1) };
}

function roleName(arn: string | undefined): string {
  return arn === undefined ? 'role' : arn.slice(arn.lastIndexOf('/') + 1);
}
