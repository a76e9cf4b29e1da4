import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAgent, SHADOWING_VARIABLES, type AgentSession, type ProfileStyle } from '../../agent/index.ts';
import { createBrokerClient, defaultCredentialsPath, readCliCredentials, resolveBrokerUrl, type BrokerClient, type BrokerTokenSource } from '../../client/index.ts';
import { RoleportError } from '../../core/index.ts';
import { checkRoleArn } from '../../iam/index.ts';
import { runChild } from '../run-child.ts';
import { UsageError } from '../output.ts';
import { CommandExitStatus } from '../exit-status.ts';
import { createLineLogger } from '../line-logger.ts';

export interface RunOptions {
  /** IAM role ARNs: the first is AWS_ROLE_ARN, each gets a profile. */
  roles: string[];
  /** The command and its arguments, after `--`. */
  commandLine: string[];
  /** Serve container credentials on 127.0.0.1 instead of the token-file variables. */
  containerCredentials: boolean;
  /** Write credential_process profiles in AWS_CONFIG_FILE. */
  credentialProcess: boolean;
  stsEndpoint?: string | undefined;
  tokenSource: BrokerTokenSource;
  audience?: string | undefined;
  region?: string | undefined;
  ttlSeconds?: number | undefined;
  /** Session directory (default a temporary one, removed at the end). */
  dir?: string | undefined;
  url?: string | undefined;
}

/**
 * `roleport run --role ARN -- COMMAND`: starts a session with the signed-in user's role(s),
 * runs COMMAND with its AWS environment (kept fresh by an in-process agent), and ends the
 * session after; exits with COMMAND's code.
 */
export async function runRun(flags: RunOptions): Promise<void> {
  if (flags.commandLine.length === 0) throw new UsageError('run: give the command after --, e.g. roleport run --role ARN -- aws sts get-caller-identity');
  for (const role of flags.roles) {
    const check = checkRoleArn(role);
    if (!check.ok) throw new UsageError(`--role ${role}: ${check.reason}`);
  }
  const credentialsPath = defaultCredentialsPath();
  const signedIn = readCliCredentials(credentialsPath);
  if (signedIn === undefined) throw new RoleportError('ERR_UNAUTHENTICATED', `not signed in (no ${credentialsPath}): run roleport login first`);
  const client = createBrokerClient({ baseUrl: resolveBrokerUrl(flags.url, process.env, signedIn.url) });

  const started = await client.startSession(signedIn.token, {
    roles: flags.roles,
    tokenSource: flags.tokenSource,
    audience: flags.audience,
    region: flags.region,
    tokenTtlSeconds: flags.ttlSeconds,
  });
  const ownsDir = flags.dir === undefined;
  const dir = flags.dir === undefined ? mkdtempSync(join(tmpdir(), 'roleport-run-')) : resolve(flags.dir);
  const profileStyle: ProfileStyle = flags.credentialProcess ? 'credential-process' : 'web-identity';
  const agent = createAgent({
    client,
    logger: createLineLogger(),
    stsEndpoint: flags.stsEndpoint,
    profileStyle,
    containerCredentials: flags.containerCredentials ? {} : undefined,
  });
  const cleanUp = async (): Promise<void> => {
    await endSession(client, started.credential);
    await agent.close();
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };

  let session: AgentSession;
  try {
    session = await agent.addSession({ credential: started.credential, dir });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  void session.finished.then(({ reason }) => {
    if (reason !== 'removed from the agent') process.stderr.write(`roleport: session ${session.id} stopped (${reason}); its credentials are no longer refreshed\n`);
  });

  const code = await runChild(flags.commandLine, childEnvironment(process.env, session.environment()));
  await cleanUp();
  if (code !== 0) throw new CommandExitStatus(code);
}

/**
 * The child's environment: ours, minus every inherited AWS credential variable (a static
 * `AWS_ACCESS_KEY_ID` or an `AWS_PROFILE` would win over the session's refreshing
 * providers and silently stop refresh), plus the session's.
 */
export function childEnvironment(parent: NodeJS.ProcessEnv, session: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parent };
  for (const name of SHADOWING_VARIABLES) delete env[name];
  return { ...env, ...session };
}

async function endSession(client: BrokerClient, credential: string): Promise<void> {
  try {
    await client.endCurrentSession(credential);
  } catch (error) {
    // The command's exit code matters more; the broker ends idle sessions on its own terms.
    process.stderr.write(`roleport: could not end the session: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
