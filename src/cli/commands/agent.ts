import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAgent, profileName, roleTokenFile, type AgentSession, type ProfileStyle } from '../../agent/index.ts';
import { createBrokerClient, findSessionCredential, resolveBrokerUrl, sessionIdOfCredential } from '../../client/index.ts';
import { CommandExitStatus } from '../exit-status.ts';
import { createLineLogger } from '../line-logger.ts';
import { print } from '../output.ts';

export interface AgentCommandOptions {
  /** A file with the session credential (`rps_…`); else env ROLEPORT_SESSION_CREDENTIAL. */
  sessionCredentialFile?: string | undefined;
  /** The session directory (default ~/.roleport/sessions/<session id>). */
  dir?: string | undefined;
  /** Also serve AWS container credentials on 127.0.0.1, with this STS DurationSeconds (default 3600). */
  containerCredentials?: { durationSeconds?: number | undefined; failoverRegions?: string[] | undefined } | undefined;
  /** Write credential_process profiles instead of web_identity_token_file ones. */
  credentialProcess: boolean;
  stsEndpoint?: string | undefined;
  url?: string | undefined;
  /** Port of the loopback listener (0: a free one). */
  port: number;
  /** Seconds between re-reads of the session (0: never). */
  pollIntervalSeconds?: number | undefined;
  json: boolean;
}

/**
 * `roleport agent`: keeps a session's token file (and optionally container credentials)
 * fresh until SIGINT/SIGTERM, or until the session ends (then exits 1).
 */
export async function runAgent(options: AgentCommandOptions): Promise<void> {
  const { credential } = findSessionCredential({ credentialFile: options.sessionCredentialFile, env: { ROLEPORT_SESSION_CREDENTIAL: process.env['ROLEPORT_SESSION_CREDENTIAL'] } });
  const client = createBrokerClient({ baseUrl: resolveBrokerUrl(options.url, process.env) });
  const dir = resolve(options.dir ?? join(homedir(), '.roleport', 'sessions', sessionIdOfCredential(credential) ?? 'session'));
  const profileStyle: ProfileStyle = options.credentialProcess ? 'credential-process' : 'web-identity';

  const agent = createAgent({
    client,
    logger: createLineLogger(),
    stsEndpoint: options.stsEndpoint,
    profileStyle,
    listen: { port: options.port },
    pollIntervalMs: options.pollIntervalSeconds === undefined ? undefined : options.pollIntervalSeconds * 1000,
    containerCredentials: options.containerCredentials,
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
  print(options, summary, () =>
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
