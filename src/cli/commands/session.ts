import { toSessionJson, type Principal, type Session } from '../../sessions/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { UsageError, formatTime, print, table } from '../output.ts';
import type { TokenSourceFlag } from '../flags.ts';

export interface SessionStartOptions extends ConfigFlags {
  user: string;
  roles: string[];
  tokenSource?: TokenSourceFlag | undefined;
  audience?: string | undefined;
  region?: string | undefined;
  ttlSeconds?: number | undefined;
  json: boolean;
}

export interface SessionListOptions extends ConfigFlags {
  user?: string | undefined;
  /** active, ended or revoked; anything else is refused. */
  state?: string | undefined;
  json: boolean;
}

export interface SessionStopOptions extends ConfigFlags {
  /** `end`: no new token; `revoke`: a compromised credential, the agent gets invalid_grant. */
  how: 'end' | 'revoke';
  id: string;
  json: boolean;
}

/** The CLI on the data directory acts as an admin, like every command that changes state there. */
const CLI: Principal = { name: 'cli', admin: true };

/** Said wherever a viewer session is chosen: the IdP's tokens cannot carry the role binding. */
const VIEWER_UNBOUND =
  "viewer sessions hand out the IdP's own ID token, which names no role: AWS accepts it for every role that trusts the IdP and this user, not only the session's roles (broker sessions are bound)";

/** `roleport session start`: a session for a user with roles they hold; prints its credential once. */
export async function runSessionStart(options: SessionStartOptions): Promise<void> {
  if (options.tokenSource === 'viewer') process.stderr.write(`warning: ${VIEWER_UNBOUND}\n`);
  const result = await withServices(options, (services) =>
    services.sessions.start({
      userName: options.user,
      roles: options.roles,
      tokenSource: options.tokenSource,
      audience: options.audience,
      region: options.region,
      tokenTtlSeconds: options.ttlSeconds,
      by: CLI,
    }),
  );
  print(options, { session: toSessionJson(result.session), credential: result.credential }, () =>
    [renderSession(result.session), '', `credential (shown once, for the session's agent): ${result.credential}`].join('\n'),
  );
}

/** `roleport session list`, newest first. */
export async function runSessionList(options: SessionListOptions): Promise<void> {
  const state = parseState(options.state);
  const list = await withServices(options, (services) => services.sessions.list({ userName: options.user, state, by: CLI }));
  print(options, { sessions: list.map(toSessionJson) }, () =>
    list.length === 0
      ? 'no sessions'
      : table(
          ['ID', 'USER', 'STATE', 'SOURCE', 'ROLES', 'CREATED', 'LAST TOKEN', 'TOKEN EXPIRES'],
          list.map((s) => [s.id, s.userName, s.state, s.tokenSource, s.roles.map((r) => r.profile).join(','), formatTime(s.createdAt), formatTime(s.lastTokenAt), formatTime(s.tokenExpiresAt)]),
        ),
  );
}

/** `roleport session end|revoke <id>`. */
export async function runSessionStop(options: SessionStopOptions): Promise<void> {
  if (!/^ses_[a-z0-9]+$/.test(options.id)) throw new UsageError(`${options.id}: expected a session id (ses_…)`);
  const result = await withServices(options, (services) => (options.how === 'end' ? services.sessions.end(options.id, CLI) : services.sessions.revoke(options.id, CLI)));
  print(options, toSessionJson(result), () => renderSession(result));
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

function parseState(value: string | undefined): Session['state'] | undefined {
  if (value === undefined) return undefined;
  if (value !== 'active' && value !== 'ended' && value !== 'revoked') throw new UsageError(`--state ${value}: expected active, ended or revoked`);
  return value;
}
