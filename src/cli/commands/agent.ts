import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createAgent, profileName, roleTokenFile, type AgentSession, type ProfileStyle } from '../../agent/index.ts';
import { createBrokerClient, findSessionCredential, resolveBrokerUrl, sessionIdOfCredential } from '../../client/index.ts';
import type { Logger } from '../../core/index.ts';
import { UsageError, print } from '../output.ts';

/**
 * Ends a command with a given exit code, without a message of its own (the command has
 * already said what happened): `roleport run` passes on its child's code this way.
 */
export class CommandExitStatus extends Error {
  override readonly name = 'CommandExitStatus';
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * One line per event on stderr (`roleport: token refresh failed: …`): the agent runs beside
 * a person's terminal, where JSON log lines would be noise. `ROLEPORT_LOG_LEVEL` picks the
 * threshold (default warn).
 */
export function createLineLogger(level: string = process.env['ROLEPORT_LOG_LEVEL'] ?? 'warn'): Logger {
  const threshold = LEVELS.indexOf(level as (typeof LEVELS)[number]);
  const at = (name: (typeof LEVELS)[number]) => (obj: object, msg?: string) => {
    if (threshold < 0 || LEVELS.indexOf(name) < threshold) return;
    const err = (obj as { err?: unknown }).err;
    const reason = err instanceof Error ? `: ${err.message}` : '';
    process.stderr.write(`roleport: ${msg ?? name}${reason}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A whole number of seconds from a flag, or undefined. */
export function parseSecondsFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < min) throw new UsageError(`${name} ${value}: expected a whole number of seconds ≥ ${min}`);
  return seconds;
}

export function parseUrlFlag(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // fall through
  }
  throw new UsageError(`${name} ${value}: expected an http(s) URL`);
}

/** An environment variable's value, or undefined when unset or empty. */
export function nonEmptyEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface AgentFlags {
  sessionCredentialFile?: string;
  dir?: string;
  containerCredentials?: boolean;
  credentialProcess?: boolean;
  stsEndpoint?: string;
  url?: string;
  port?: string;
  durationSeconds?: string;
  failoverRegion?: string[];
  pollInterval?: string;
  json?: boolean;
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('keep a session\'s token file (and optionally container credentials) fresh; broker from ROLEPORT_URL')
    .option('--session-credential-file <file>', 'file with the session credential (rps_…); else env ROLEPORT_SESSION_CREDENTIAL')
    .option('--dir <dir>', 'directory for the token, env and aws-config files (default ~/.roleport/sessions/<session id>)')
    .option('--container-credentials', 'also serve AWS container credentials on 127.0.0.1')
    .option('--credential-process', 'write credential_process profiles instead of web_identity_token_file ones')
    .option('--sts-endpoint <url>', 'STS endpoint for the agent and the workload (e.g. the local STS); sets AWS_ENDPOINT_URL_STS')
    .option('--url <url>', 'the broker (default env ROLEPORT_URL)')
    .option('--port <port>', 'port of the loopback listener for /status and container credentials (default: a free one)')
    .option('--duration-seconds <n>', 'DurationSeconds for container credentials (default 3600)')
    .option('--failover-region <region>', 'STS region to try when the session\'s fails (repeatable)', collect)
    .option('--poll-interval <seconds>', 'how often to re-read the session for role changes (default 30; 0 = never)')
    .option('--json', 'print the files and URLs as one JSON object once ready')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AgentFlags>();
      const port = flags.port === undefined ? 0 : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port}: expected a port number 0-65535`);
      const durationSeconds = parseSecondsFlag('--duration-seconds', flags.durationSeconds, 900);
      const pollSeconds = parseSecondsFlag('--poll-interval', flags.pollInterval, 0);
      const stsEndpoint = parseUrlFlag('--sts-endpoint', flags.stsEndpoint) ?? nonEmptyEnv('AWS_ENDPOINT_URL_STS');
      const { credential } = findSessionCredential({ credentialFile: flags.sessionCredentialFile, env: { ROLEPORT_SESSION_CREDENTIAL: process.env['ROLEPORT_SESSION_CREDENTIAL'] } });
      const client = createBrokerClient({ baseUrl: resolveBrokerUrl(flags.url, process.env) });
      const dir = resolve(flags.dir ?? join(homedir(), '.roleport', 'sessions', sessionIdOfCredential(credential) ?? 'session'));
      const profileStyle: ProfileStyle = flags.credentialProcess === true ? 'credential-process' : 'web-identity';

      const agent = createAgent({
        client,
        logger: createLineLogger(),
        stsEndpoint,
        profileStyle,
        listen: { port },
        pollIntervalMs: pollSeconds === undefined ? undefined : pollSeconds * 1000,
        containerCredentials: flags.containerCredentials === true ? { durationSeconds, failoverRegions: flags.failoverRegion } : undefined,
      });
      let session: AgentSession;
      try {
        session = await agent.addSession({ credential, dir });
      } catch (error) {
        await agent.close();
        throw error;
      }
      const env = session.environment();
      const summary = {
        session: session.id,
        user: session.session().userName,
        dir,
        env_file: session.layout.envFile,
        token_file: session.layout.tokenFile,
        // One per role: a token names the role it was minted for.
        role_token_files: Object.fromEntries(session.session().roles.map((r) => [profileName(r.profile), roleTokenFile(session.layout, r.profile)])),
        aws_config_file: session.layout.awsConfigFile,
        status_url: `${agent.url}/status`,
        container_credentials_url: env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? null,
      };
      print({ json: flags.json === true }, summary, () =>
        [
          `session: ${summary.session} (${summary.user}; ${session.session().roles.map((r) => r.profile).join(', ')})`,
          `env file: ${summary.env_file}   (set -a; . ${summary.env_file}; set +a)`,
          `token file: ${summary.token_file}   (the first role's; each role's: ${session.layout.roleTokenDir}/<profile>)`,
          `aws config: ${summary.aws_config_file}`,
          `status: ${summary.status_url}`,
          ...(summary.container_credentials_url === null ? [] : [`container credentials: ${summary.container_credentials_url}`]),
        ].join('\n'),
      );

      const outcome = await waitForSignalOrEnd(session);
      await agent.close();
      if (outcome.kind === 'ended') {
        process.stderr.write(`roleport: session ${session.id} stopped (${outcome.reason}); its token file is gone\n`);
        throw new CommandExitStatus(1);
      }
    });
}

/** Resolves on SIGINT/SIGTERM, or when the session stops for good and its token file is gone. */
function waitForSignalOrEnd(session: AgentSession): Promise<{ kind: 'signal' } | { kind: 'ended'; reason: string }> {
  return new Promise((resolvePromise) => {
    const onSignal = (): void => {
      cleanup();
      resolvePromise({ kind: 'signal' });
    };
    const cleanup = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void session.finished.then(({ reason }) => {
      cleanup();
      resolvePromise({ kind: 'ended', reason });
    });
  });
}
