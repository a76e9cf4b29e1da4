import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createAgent, SHADOWING_VARIABLES, type AgentSession, type ProfileStyle } from '../../agent/index.ts';
import { createBrokerClient, defaultCredentialsPath, readCliCredentials, resolveBrokerUrl, type BrokerClient, type BrokerTokenSource } from '../../client/index.ts';
import { RoleportError } from '../../core/index.ts';
import { runChild } from '../run-child.ts';
import { UsageError } from '../output.ts';
import { CommandExitStatus, createLineLogger, nonEmptyEnv, parseSecondsFlag, parseUrlFlag } from './agent.ts';
import { collectSafeText, safeText } from '../text-flags.ts';

interface RunFlags {
  role?: string[];
  containerCredentials?: boolean;
  credentialProcess?: boolean;
  stsEndpoint?: string;
  tokenSource?: string;
  audience?: string;
  region?: string;
  ttl?: string;
  dir?: string;
  url?: string;
}


export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('start a session with the signed-in user\'s role(s), run COMMAND with its AWS environment, end the session after')
    .usage('--role <arn> [--role <arn>…] [options] -- <command> [args…]')
    .requiredOption('--role <arn>', 'IAM role ARN (repeat for several: the first is AWS_ROLE_ARN, each gets a profile)', collectSafeText('--role', { maxLength: 2048 }))
    .option('--container-credentials', 'serve container credentials on 127.0.0.1 (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of the token-file variables')
    .option('--credential-process', 'write credential_process profiles in AWS_CONFIG_FILE')
    .option('--sts-endpoint <url>', 'STS endpoint (e.g. the local STS; default env AWS_ENDPOINT_URL_STS); sets AWS_ENDPOINT_URL_STS')
    .option('--token-source <source>', 'broker or viewer', 'broker')
    .option('--audience <aud>', 'token audience (default the broker\'s)', safeText('--audience', { minLength: 1, maxLength: 255 }))
    .option('--region <region>', 'AWS region (default the broker\'s)', safeText('--region', { maxLength: 32 }))
    .option('--ttl <seconds>', 'token lifetime in seconds')
    .option('--dir <dir>', 'session directory (default a temporary one, removed at the end)')
    .option('--url <url>', 'the broker (default env ROLEPORT_URL, else the one you signed in to)')
    .argument('<command...>', 'the command to run, after --')
    .action(async (commandLine: string[], _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RunFlags>();
      if (commandLine.length === 0) throw new UsageError('run: give the command after --, e.g. roleport run --role ARN -- aws sts get-caller-identity');
      const tokenSource = parseTokenSource(flags.tokenSource);
      const ttl = parseSecondsFlag('--ttl', flags.ttl, 60);
      const stsEndpoint = parseUrlFlag('--sts-endpoint', flags.stsEndpoint) ?? nonEmptyEnv('AWS_ENDPOINT_URL_STS');
      const credentialsPath = defaultCredentialsPath();
      const signedIn = readCliCredentials(credentialsPath);
      if (signedIn === undefined) throw new RoleportError('ERR_UNAUTHENTICATED', `not signed in (no ${credentialsPath}): run roleport login first`);
      const client = createBrokerClient({ baseUrl: resolveBrokerUrl(flags.url, process.env, signedIn.url) });

      const started = await client.startSession(signedIn.token, {
        roles: flags.role ?? [],
        tokenSource,
        audience: flags.audience,
        region: flags.region,
        tokenTtlSeconds: ttl,
      });
      const ownsDir = flags.dir === undefined;
      const dir = flags.dir === undefined ? mkdtempSync(join(tmpdir(), 'roleport-run-')) : resolve(flags.dir);
      const profileStyle: ProfileStyle = flags.credentialProcess === true ? 'credential-process' : 'web-identity';
      const agent = createAgent({
        client,
        logger: createLineLogger(),
        stsEndpoint,
        profileStyle,
        containerCredentials: flags.containerCredentials === true ? {} : undefined,
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

      const code = await runChild(commandLine, childEnvironment(process.env, session.environment()));
      await cleanUp();
      if (code !== 0) throw new CommandExitStatus(code);
    });
}

function parseTokenSource(value: string | undefined): BrokerTokenSource {
  if (value === undefined || value === 'broker' || value === 'viewer') return value ?? 'broker';
  throw new UsageError(`--token-source ${value}: expected broker or viewer`);
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
