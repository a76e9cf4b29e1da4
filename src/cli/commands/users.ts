import type { Command } from 'commander';
import { parseRoleArnList, type UserRole, type UserView } from '../../users/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { formatTime, print, table } from '../output.ts';
import { safeText } from '../text-flags.ts';

interface UsersFlags extends ConfigFlags {
  json?: boolean;
  withSource?: boolean;
}

/**
 * `roleport users …`: the admin's view of users and their AWS roles. The commands work on
 * the data directory / database directly (ROLEPORT_DATA_DIR, ROLEPORT_DATABASE_URL or
 * --data-dir / --database-url); a running broker reads users per request, so it serves a
 * change at once, without a restart.
 */
export function registerUsersCommands(program: Command): void {
  // One `users` group whichever module registers first (`users token` lives in users-token.ts).
  const users = program.commands.find((command) => command.name() === 'users') ?? program.command('users');
  users.description('users and their AWS role assignments');
  users
    .command('list')
    .description('show every user with their roles and where each came from (claim or cli)')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<UsersFlags>();
      const list = await withServices(flags, (services) => services.users.list());
      print({ json: flags.json === true }, { users: list.map(userJson) }, () => renderUsers(list));
    });
  users
    .command('get-aws-role-arns')
    .description('print the user\'s role ARNs, one per line')
    .argument('<username>', 'the user', safeText('username', { maxLength: 255 }))
    .option('--with-source', 'append a tab and the source (claim or cli) to each line')
    .option('--json', 'print JSON: {username, aws_role_arns, roles: [{arn, source}]}')
    .action(async (username: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<UsersFlags>();
      const roles = await withServices(flags, (services) => services.users.getRoles(username));
      print({ json: flags.json === true }, rolesJson(username, roles), () => renderRoles(roles, flags.withSource === true));
    });
  users
    .command('set-aws-role-arns')
    .description('replace the user\'s roles (source cli); creates the user if they never signed in. Roles from the IdP\'s claim replace these at the user\'s next sign-in')
    .argument('<username>', 'the user', safeText('username', { maxLength: 255 }))
    .argument('<arns>', 'comma-separated IAM role ARNs (arn:aws:iam::123456789012:role/NAME,…); "" removes every role', safeText('arns', { maxLength: 20_000 }))
    .option('--json', 'print JSON: {username, aws_role_arns, roles: [{arn, source}]}')
    .action(async (username: string, arns: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<UsersFlags>();
      const user = await withServices(flags, (services) => services.users.setRoleArns(username, parseRoleArnList(arns), 'cli'));
      print({ json: flags.json === true }, rolesJson(user.username, user.roles), () => renderRoles(user.roles, false));
    });
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
