import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../core/index.ts';
import { isRoleportError, RoleportError } from '../../../core/index.ts';
import type { Principal, Sessions } from '../../../sessions/index.ts';
import { parseRoleArnList, type UserService, type UserView } from '../../../users/index.ts';
import { errorsFromMessage, type FieldErrors, type FormFieldName } from '../../../web/components.ts';
import { renderUserPage, renderUsersPage, type RoleFormValues, type UserRowView } from '../../../web/users-page.ts';
import { requireVisitorOn, type Visitor, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { backWithNotice, CONFIRMABLE_FIELDS, confirmed, type ConfirmableBody } from './confirmation.ts';
import { multilineText, safeText } from '../../schemas/text.ts';

export interface UserPageOptions {
  users: Pick<UserService, 'list' | 'findByUsername' | 'setRoleArns' | 'unbind' | 'remove'>;
  sessions: Pick<Sessions, 'revokeAllOf'>;
  /** Whether config `admins` makes a user an admin (for the badge). */
  isAdmin(user: { username: string; groups: readonly string[] }): boolean;
  clock: Clock;
  /** Name of the role claim, for the explanation of sources. */
  roleClaim: string;
}

const USER_PARAMS = { type: 'object', properties: { username: safeText(255) }, required: ['username'] } as const;
/** The role form's fields as the users module's messages name them. */
const ROLE_FORM_FIELDS: readonly FormFieldName[] = [
  { wire: 'username', id: 'username', label: 'Username' },
  { wire: 'invalid role ARN', id: 'role-arns', label: 'Role ARNs' },
];

/**
 * The admins' users pages: every user with their roles (and where each came from) and last
 * sign-in; one user's page; setting a user's roles with the rules of `roleport users
 * set-aws-role-arns` (the same function); unbinding from the IdP identity and deleting, each
 * confirmed first. Registered inside the web scope (see ./index.ts).
 */
export async function registerUserPages(scope: FastifyInstance, auth: WebVisitorAuth, options: UserPageOptions): Promise<void> {
  const { users } = options;
  const toRow = (user: UserView): UserRowView => ({ ...user, admin: options.isAdmin(user) });
  const byVisitor = (visitor: Visitor): Principal => ({ name: visitor.user.username, admin: true, userName: visitor.user.username });
  const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(body);
  const find = async (username: string): Promise<UserView> => {
    const user = await users.findByUsername(username);
    if (user === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user named ${username}`);
    return user;
  };
  const listPage = async (request: FastifyRequest, values?: RoleFormValues, errors?: FieldErrors) =>
    renderUsersPage({ page: auth.page(request), users: (await users.list()).map(toRow), now: options.clock.now(), roleClaim: options.roleClaim, values, errors });
  const userPage = (request: FastifyRequest, user: UserView, values?: RoleFormValues, errors?: FieldErrors) =>
    renderUserPage({ page: auth.page(request), user: toRow(user), now: options.clock.now(), roleClaim: options.roleClaim, values, errors });

  await scope.register(async (admin) => {
    requireVisitorOn(admin, auth, 'admin');

    admin.get('/admin/users', async (request, reply) => sendHtml(reply, await listPage(request)));

    admin.get<{ Params: { username: string } }>('/admin/users/:username', { schema: { params: USER_PARAMS } }, async (request, reply) =>
      sendHtml(reply, userPage(request, await find(request.params.username))),
    );

    admin.post<{ Body: { csrf?: string; username?: string; role_arns?: string } }>(
      '/admin/users',
      { schema: { body: { type: 'object', properties: { csrf: safeText(256), username: safeText(255), role_arns: multilineText(64 * 2048) } } } },
      async (request, reply) => {
        const values: RoleFormValues = { username: request.body.username ?? '', arns: request.body.role_arns ?? '' };
        const existing = await users.findByUsername(values.username);
        try {
          // Lines or commas: the CLI's list rule, so both accept the same input.
          const arns = values.arns.split(/\r?\n/).flatMap((line) => parseRoleArnList(line));
          const saved = await users.setRoleArns(values.username, arns, auth.signedIn(request).user.username);
          return reply.redirect(`/admin/users/${encodeURIComponent(saved.username)}?notice=roles-saved`, 303);
        } catch (error) {
          if (!isRoleportError(error) || error.code !== 'ERR_INPUT_INVALID') throw error;
          const placed = errorsFromMessage(error.message, ROLE_FORM_FIELDS);
          const errors = placed.general === undefined ? placed.errors : { 'role-arns': placed.general };
          // The form is shown again where it was sent from: the user's page, or the list for a new user.
          return sendHtml(reply, existing === undefined ? await listPage(request, values, errors) : userPage(request, existing, values, errors), 400);
        }
      },
    );

    admin.post<{ Params: { username: string }; Body: ConfirmableBody }>(
      '/admin/users/:username/unbind',
      { schema: { params: USER_PARAMS, body: { type: 'object', properties: CONFIRMABLE_FIELDS } } },
      async (request, reply) => {
        const user = await find(request.params.username);
        const go = confirmed(request, reply, {
          page: auth.page(request),
          title: 'Unbind this user?',
          question: `Unbind ${user.username} from the identity ${user.subject ?? '(none)'} at ${user.idpIssuer ?? '(none)'}?`,
          consequence: `Whoever next signs in with the username ${user.username} at the identity provider becomes this user, with their roles and sessions. Do it when the identity provider changed its issuer or the user's subject.`,
          confirmLabel: 'Unbind',
          danger: false,
        });
        if (!go) return reply;
        await users.unbind(user.username, auth.signedIn(request).user.username);
        return reply.redirect(backWithNotice(request.body.return_to, 'user-unbound', `/admin/users/${encodeURIComponent(user.username)}`), 303);
      },
    );

    admin.post<{ Params: { username: string }; Body: ConfirmableBody }>(
      '/admin/users/:username/delete',
      { schema: { params: USER_PARAMS, body: { type: 'object', properties: CONFIRMABLE_FIELDS } } },
      async (request, reply) => {
        const user = await find(request.params.username);
        const go = confirmed(request, reply, {
          page: auth.page(request),
          title: 'Delete this user?',
          question: `Delete ${user.username}?`,
          consequence: 'Their roles, stored IdP tokens and browser sign-ins go, and their active sessions are revoked. Signing in again creates them anew, with the roles the identity provider sends.',
          confirmLabel: 'Delete user',
          danger: true,
        });
        if (!go) return reply;
        const visitor = auth.signedIn(request);
        await users.remove(user.username, visitor.user.username);
        await options.sessions.revokeAllOf(user.username, byVisitor(visitor));
        return reply.redirect(backWithNotice(request.body.return_to, 'user-deleted', '/admin/users'), 303);
      },
    );
  });
}
