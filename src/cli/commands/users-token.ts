import type { Command } from 'commander';
import { withServices, type ConfigFlags } from '../context.ts';
import { UsageError, print } from '../output.ts';

interface UserTokenFlags extends ConfigFlags {
  ttl?: string;
  json?: boolean;
}

/**
 * `roleport users token create <username>`: mints a user API token (`rpu_…`) directly on the
 * store, for a CLI or script that cannot sign in through a browser. Added to the `users`
 * group if another module already made one, so the groups stay one.
 */
export function registerUserTokenCommands(program: Command): void {
  const users = program.commands.find((command) => command.name() === 'users') ?? program.command('users').description('users and their AWS roles');
  const token = users.command('token').description('user API tokens for the CLI (rpu_…)');
  token
    .command('create <username>')
    .description('create a user API token and print it once (admin, on the data directory / database)')
    .option('--ttl <seconds>', 'lifetime in seconds (default sessions.userTokenTtlSeconds)')
    .option('--json', 'print {token, username, expires_at}')
    .action(async (username: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<UserTokenFlags>();
      const ttl = flags.ttl === undefined ? undefined : Number(flags.ttl);
      if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0)) throw new UsageError(`--ttl ${flags.ttl}: expected a positive whole number of seconds`);
      const created = await withServices(flags, (services) => services.sessions.userTokens.create({ userName: username, ttlSeconds: ttl, actor: 'cli', description: 'roleport users token create' }));
      const expiresAt = new Date(created.expiresAt).toISOString();
      print({ json: flags.json === true }, { token: created.token, username: created.userName, expires_at: expiresAt }, () => created.token);
    });
}
