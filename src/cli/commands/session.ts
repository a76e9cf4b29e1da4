import type { Command } from 'commander';
import { toSessionJson, type Principal, type Session, type TokenSource } from '../../sessions/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { UsageError, formatTime, print, table } from '../output.ts';

interface SessionFlags extends ConfigFlags {
  user?: string;
  role?: string[];
  tokenSource?: string;
  audience?: string;
  region?: string;
  ttl?: string;
  state?: string;
  json?: boolean;
}

/** The CLI on the data directory acts as an admin, like every command that changes state there. */
const CLI: Principal = { name: 'cli', admin: true };

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Said wherever a viewer session is chosen: the IdP's tokens cannot carry the role binding. */
const VIEWER_UNBOUND =
  "viewer sessions hand out the IdP's own ID token, which names no role: AWS accepts it for every role that trusts the IdP and this user, not only the session's roles (broker sessions are bound)";

export function registerSessionCommands(program: Command): void {
  const session = program.command('session').description('users\' sessions (admin, on the data directory / database)');

  session
    .command('start')
    .description('start a session for a user with roles they hold; prints its credential once')
    .requiredOption('--user <username>', 'the user the session is for')
    .requiredOption('--role <arn>', 'an IAM role ARN the user holds (repeat for several)', collect)
    .option('--token-source <source>', 'broker (Roleport signs; each token names its role) or viewer (the IdP\'s ID token; not bound to the roles)', 'broker')
    .option('--audience <aud>', 'token audience (default tokens.defaultAudience)')
    .option('--region <region>', 'AWS region (default sessions.defaultRegion)')
    .option('--ttl <seconds>', 'token lifetime in seconds')
    .option('--json', 'print {session, credential}')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<SessionFlags>();
      const tokenSource = parseTokenSource(flags.tokenSource);
      const ttl = parseSeconds('--ttl', flags.ttl);
      if (tokenSource === 'viewer') process.stderr.write(`warning: ${VIEWER_UNBOUND}\n`);
      const result = await withServices(flags, (services) =>
        services.sessions.start({
          userName: flags.user!,
          roles: flags.role ?? [],
          tokenSource,
          audience: flags.audience,
          region: flags.region,
          tokenTtlSeconds: ttl,
          by: CLI,
        }),
      );
      print({ json: flags.json === true }, { session: toSessionJson(result.session), credential: result.credential }, () =>
        [renderSession(result.session), '', `credential (shown once, for the session's agent): ${result.credential}`].join('\n'),
      );
    });

  session
    .command('list')
    .description('list sessions, newest first')
    .option('--user <username>', 'only this user\'s sessions')
    .option('--state <state>', 'active, ended or revoked')
    .option('--json', 'print {sessions: […]}')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<SessionFlags>();
      const state = parseState(flags.state);
      const list = await withServices(flags, (services) => services.sessions.list({ userName: flags.user, state, by: CLI }));
      print({ json: flags.json === true }, { sessions: list.map(toSessionJson) }, () =>
        list.length === 0
          ? 'no sessions'
          : table(
              ['ID', 'USER', 'STATE', 'SOURCE', 'ROLES', 'CREATED', 'LAST TOKEN', 'TOKEN EXPIRES'],
              list.map((s) => [s.id, s.userName, s.state, s.tokenSource, s.roles.map((r) => r.profile).join(','), formatTime(s.createdAt), formatTime(s.lastTokenAt), formatTime(s.tokenExpiresAt)]),
            ),
      );
    });

  for (const [name, description] of [
    ['end', 'end a session: its agent gets no new token'],
    ['revoke', 'revoke a session (compromised credential): its agent gets invalid_grant'],
  ] as const) {
    session
      .command(`${name} <id>`)
      .description(description)
      .option('--json', 'print the session')
      .action(async (id: string, _options: unknown, command: Command) => {
        const flags = command.optsWithGlobals<SessionFlags>();
        if (!/^ses_[a-z0-9]+$/.test(id)) throw new UsageError(`${id}: expected a session id (ses_…)`);
        const result = await withServices(flags, (services) => (name === 'end' ? services.sessions.end(id, CLI) : services.sessions.revoke(id, CLI)));
        print({ json: flags.json === true }, toSessionJson(result), () => renderSession(result));
      });
  }
}

function renderSession(session: Session): string {
  return [
    `session: ${session.id}`,
    `user: ${session.userName}`,
    `state: ${session.state}`,
    `token source: ${session.tokenSource} (audience ${session.audience}, ${session.tokenTtlSeconds} s tokens, region ${session.region})`,
    ...session.roles.map((role) => `role: ${role.arn} (profile ${role.profile}, session name ${role.sessionName})`),
  ].join('\n');
}

function parseTokenSource(value: string | undefined): TokenSource | undefined {
  if (value === undefined) return undefined;
  if (value !== 'broker' && value !== 'viewer') throw new UsageError(`--token-source ${value}: expected broker or viewer`);
  return value;
}

function parseState(value: string | undefined): Session['state'] | undefined {
  if (value === undefined) return undefined;
  if (value !== 'active' && value !== 'ended' && value !== 'revoked') throw new UsageError(`--state ${value}: expected active, ended or revoked`);
  return value;
}

function parseSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new UsageError(`${flag} ${value}: expected a positive whole number of seconds`);
  return seconds;
}
