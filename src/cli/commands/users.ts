import { formatAzureTarget } from '../../azure/index.ts';
import { RoleportError } from '../../core/index.ts';
import { formatGcpTarget } from '../../gcp/index.ts';
import type { Principal } from '../../sessions/index.ts';
import { parseRoleArnList, type UserRole, type UserView } from '../../users/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { formatTime, print, table } from '../output.ts';

export interface UsersListOptions extends ConfigFlags {
  json: boolean;
}

export interface UserRolesOptions extends UsersListOptions {
  username: string;
  /** Append a tab and the source (claim or cli) to each line. */
  withSource: boolean;
}

export interface UserTargetsOptions extends UsersListOptions {
  cloud: 'gcp' | 'azure';
  username: string;
  withSource: boolean;
}

export interface SetUserTargetsOptions extends UsersListOptions {
  cloud: 'gcp' | 'azure';
  username: string;
  /** Each target's written form; none removes every target of the cloud. */
  targets: string[];
}

export interface SetUserRolesOptions extends UsersListOptions {
  username: string;
  /** Comma-separated role ARNs; "" removes every role. */
  arns: string;
}

/**
 * `roleport users …`: the admin's view of users and their AWS roles. The commands work on
 * the data directory / database directly (ROLEPORT_DATA_DIR, ROLEPORT_DATABASE_URL or
 * --data-dir / --database-url); a running broker reads users per request, so it serves a
 * change at once, without a restart.
 */
export async function runUsersList(options: UsersListOptions): Promise<void> {
  const list = await withServices(options, (services) => services.users.list());
  print(options, { users: list.map(userJson) }, () => renderUsers(list));
}

/** `roleport users get-aws-role-arns <username>`. */
export async function runGetUserRoles(options: UserRolesOptions): Promise<void> {
  const roles = await withServices(options, (services) => services.users.getRoles(options.username));
  print(options, rolesJson(options.username, roles), () => renderRoles(roles, options.withSource));
}

/** `roleport users set-aws-role-arns <username> <arns>`: replaces the user's roles (source cli). */
export async function runSetUserRoles(options: SetUserRolesOptions): Promise<void> {
  const user = await withServices(options, (services) => services.users.setRoleArns(options.username, parseRoleArnList(options.arns), 'cli'));
  print(options, rolesJson(user.username, user.roles), () => renderRoles(user.roles, false));
}

/** `roleport users get-gcp-targets|get-azure-targets <username>`. */
export async function runGetUserTargets(options: UserTargetsOptions): Promise<void> {
  const user = await withServices(options, async (services) => {
    const found = await services.users.findByUsername(options.username);
    if (found === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user named ${options.username}`);
    return found;
  });
  printTargets(options, user, options.withSource);
}

/** `roleport users set-gcp-targets|set-azure-targets <username> [target…]`: replaces the user's targets of that cloud (source cli). */
export async function runSetUserTargets(options: SetUserTargetsOptions): Promise<void> {
  const user = await withServices(options, (services) =>
    options.cloud === 'gcp' ? services.users.setGcpTargets(options.username, options.targets, 'cli') : services.users.setAzureTargets(options.username, options.targets, 'cli'),
  );
  printTargets(options, user, false);
}

function printTargets(options: { cloud: 'gcp' | 'azure'; json: boolean }, user: UserView, withSource: boolean): void {
  const targets = options.cloud === 'gcp' ? user.gcpTargets.map((t) => ({ line: formatGcpTarget(t), json: { name: t.name, provider: t.provider, service_account: t.serviceAccount ?? null, source: t.source } })) : user.azureTargets.map((t) => ({ line: formatAzureTarget(t), json: { name: t.name, tenant_id: t.tenantId, client_id: t.clientId, subject_scope: t.subjectScope ?? 'user', source: t.source } }));
  // An empty list prints nothing, so that scripts can count lines.
  print(options, { username: user.username, [`${options.cloud}_targets`]: targets.map((t) => t.json) }, () => targets.map((t) => (withSource ? `${t.line}\t${t.json.source}` : t.line)).join('\n'));
}

/** The admin CLI on the data directory acts as an admin. */
const CLI: Principal = { name: 'cli', admin: true };

export interface UserActionOptions extends UsersListOptions {
  username: string;
}

/** `roleport users unbind <username>`: the next sign-in binds the user to whatever identity the IdP names. */
export async function runUnbindUser(options: UserActionOptions): Promise<void> {
  const before = await withServices(options, async (services) => {
    const user = await services.users.findByUsername(options.username);
    await services.users.unbind(options.username, 'cli');
    return user!;
  });
  const unbound = { issuer: before.idpIssuer, subject: before.subject };
  print(options, { username: options.username, unbound }, () =>
    unbound.subject === null
      ? `${options.username} was not bound to an IdP identity; nothing changed`
      : `${options.username} is no longer bound to ${unbound.subject} at ${unbound.issuer ?? '?'}; their next sign-in binds them again`,
  );
}

/** `roleport users delete <username>`: the user, their roles and sign-ins go; their active sessions are revoked. */
export async function runDeleteUser(options: UserActionOptions): Promise<void> {
  const revoked = await withServices(options, async (services) => {
    await services.users.remove(options.username, 'cli');
    return services.sessions.revokeAllOf(options.username, CLI);
  });
  print(options, { username: options.username, deleted: true, revoked_sessions: revoked }, () => `deleted ${options.username}${revoked === 0 ? '' : `; revoked ${revoked} active session${revoked === 1 ? '' : 's'}`}`);
}

function rolesJson(username: string, roles: readonly UserRole[]) {
  return { username, aws_role_arns: roles.map((role) => role.arn), roles: roles.map((role) => ({ arn: role.arn, source: role.source })) };
}

function userJson(user: UserView) {
  return {
    username: user.username,
    display_name: user.displayName,
    email: user.email,
    groups: user.groups,
    aws_role_arns: user.roles.map((role) => role.arn),
    roles: user.roles.map((role) => ({ arn: role.arn, source: role.source })),
    gcp_targets: user.gcpTargets.map((t) => ({ name: t.name, provider: t.provider, service_account: t.serviceAccount ?? null, source: t.source })),
    azure_targets: user.azureTargets.map((t) => ({ name: t.name, tenant_id: t.tenantId, client_id: t.clientId, subject_scope: t.subjectScope ?? 'user', source: t.source })),
    aws_role_session_name: user.roleSessionName,
    signed_in: user.subject !== null,
    created_at: formatTime(user.createdAt),
    created_by: user.createdBy,
    last_sign_in_at: user.lastSignInAt === null ? null : formatTime(user.lastSignInAt),
  };
}

function renderRoles(roles: readonly UserRole[], withSource: boolean): string {
  // An empty list prints nothing (not even a blank line) so that scripts can count lines.
  return roles.map((role) => (withSource ? `${role.arn}\t${role.source}` : role.arn)).join('\n');
}

function renderUsers(list: readonly UserView[]): string {
  if (list.length === 0) return 'no users yet (they appear at first sign-in or with `roleport users set-aws-role-arns`)';
  return table(
    ['USERNAME', 'EMAIL', 'LAST SIGN-IN', 'ROLES (SOURCE)'],
    list.map((user) => [
      user.username,
      user.email ?? '-',
      formatTime(user.lastSignInAt),
      user.roles.length === 0 ? '-' : user.roles.map((role) => `${role.arn} (${role.source})`).join(', '),
    ]),
  );
}
