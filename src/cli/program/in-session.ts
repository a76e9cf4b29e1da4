import type { Command } from 'commander';
import { collect, collectSafeText, nonEmptyEnv, parsePort, parseSecondsFlag, parseTokenSource, parseUrlFlag, safeText } from '../flags.ts';

/*
 * The commands people run in and around their sessions: `login`/`logout`, `run`, `agent`,
 * `idp token`, `idp login aws` and `credential-process`. These run inside every session
 * image, often once per AWS call, so each action loads only its own command's module.
 */

const SESSION_DIR_HELP = 'the agent\'s session directory (default env ROLEPORT_SESSION_DIR)';
const URL_HELP = 'the broker (default env ROLEPORT_URL)';

export function defineLoginCommands(program: Command): void {
  program
    .command('login')
    .description('sign in to a broker through your browser (loopback redirect) and keep a user API token for the CLI')
    .option('--url <url>', 'the broker (default env ROLEPORT_URL, else the one you last signed in to)')
    .option('--no-browser', 'only print the URL to open')
    .option('--timeout <seconds>', 'how long to wait for the browser (default 300)')
    .option('--json', 'print {url, username, expires_at}')
    .action(async (options: { url?: string; browser?: boolean; timeout?: string; json?: boolean }) => {
      const timeoutSeconds = parseSecondsFlag('--timeout', options.timeout);
      const { runLogin } = await import('../commands/login.ts');
      await runLogin({ url: options.url, browser: options.browser !== false, timeoutSeconds, json: options.json === true });
    });

  program
    .command('logout')
    .description('forget the CLI\'s user API token')
    .option('--json', 'print {signed_out, credentials_file}')
    .action(async (options: { json?: boolean }) => {
      const { runLogout } = await import('../commands/login.ts');
      runLogout({ json: options.json === true });
    });
}

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

export function defineAgentCommand(program: Command): void {
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
    .action(async (options: AgentFlags) => {
      const port = parsePort(options.port ?? '0');
      const durationSeconds = parseSecondsFlag('--duration-seconds', options.durationSeconds, 900);
      const pollIntervalSeconds = parseSecondsFlag('--poll-interval', options.pollInterval, 0);
      const stsEndpoint = parseUrlFlag('--sts-endpoint', options.stsEndpoint) ?? nonEmptyEnv('AWS_ENDPOINT_URL_STS');
      const { runAgent } = await import('../commands/agent.ts');
      await runAgent({
        sessionCredentialFile: options.sessionCredentialFile,
        dir: options.dir,
        containerCredentials: options.containerCredentials === true ? { durationSeconds, failoverRegions: options.failoverRegion } : undefined,
        credentialProcess: options.credentialProcess === true,
        stsEndpoint,
        url: options.url,
        port,
        pollIntervalSeconds,
        json: options.json === true,
      });
    });
}

interface RunFlags {
  role: string[];
  containerCredentials?: boolean;
  credentialProcess?: boolean;
  stsEndpoint?: string;
  tokenSource: string;
  audience?: string;
  region?: string;
  ttl?: string;
  dir?: string;
  url?: string;
}

export function defineRunCommand(program: Command): void {
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
    .action(async (commandLine: string[], options: RunFlags) => {
      const tokenSource = parseTokenSource(options.tokenSource) ?? 'broker';
      const ttlSeconds = parseSecondsFlag('--ttl', options.ttl, 60);
      const stsEndpoint = parseUrlFlag('--sts-endpoint', options.stsEndpoint) ?? nonEmptyEnv('AWS_ENDPOINT_URL_STS');
      const { runRun } = await import('../commands/run.ts');
      await runRun({
        roles: options.role,
        commandLine,
        containerCredentials: options.containerCredentials === true,
        credentialProcess: options.credentialProcess === true,
        stsEndpoint,
        tokenSource,
        audience: options.audience,
        region: options.region,
        ttlSeconds,
        dir: options.dir,
        url: options.url,
      });
    });
}

export function defineIdpCommands(program: Command): void {
  const idp = program.command('idp').description('inside a session: the identity token and what it buys');

  idp
    .command('token')
    .description('print a fresh identity token of the current session')
    .option('--audience <aud>', 'the aud claim (default the session\'s, e.g. sts.amazonaws.com)', safeText('--audience', { minLength: 1, maxLength: 255 }))
    .option('--role-arn <arn>', 'the session role the token is for (default the first): its sub names that role, and other roles refuse it', safeText('--role-arn', { maxLength: 2048 }))
    .option('--decode', 'print the header and claims instead (not verified)')
    .option('--json', 'print JSON: {token, expires_in} (or {header, claims} with --decode)')
    .option('--session-dir <dir>', SESSION_DIR_HELP)
    .option('--url <url>', URL_HELP)
    .action(async (options: { audience?: string; roleArn?: string; decode?: boolean; json?: boolean; sessionDir?: string; url?: string }) => {
      const { runIdpToken } = await import('../commands/idp-token.ts');
      await runIdpToken({ audience: options.audience, roleArn: options.roleArn, decode: options.decode === true, json: options.json === true, sessionDir: options.sessionDir, url: options.url });
    });

  const login = idp.command('login').description('exchange the session\'s token for cloud credentials');
  login
    .command('aws')
    .description('assume a role with the session\'s token and write it as a profile into ~/.aws/credentials and ~/.aws/config')
    .requiredOption('--role-arn <arn>', 'the IAM role to assume')
    .option('--duration-seconds <n>', 'DurationSeconds (900–43200; default 3600)')
    .option('--profile <name>', 'profile to write', 'default')
    .option('--sts-endpoint <url>', 'STS endpoint (default env AWS_ENDPOINT_URL_STS, else the regional endpoint)')
    .option('--region <region>', 'region (default env AWS_REGION, else the session\'s)')
    .option('--audience <aud>', 'token audience (default the session\'s)', safeText('--audience', { minLength: 1, maxLength: 255 }))
    .option('--credential-process', 'write credential_process into the config (refreshes by itself) instead of static keys')
    .option('--json', 'print what was written as JSON')
    .option('--session-dir <dir>', SESSION_DIR_HELP)
    .option('--url <url>', URL_HELP)
    .action(
      async (options: {
        roleArn: string;
        durationSeconds?: string;
        profile: string;
        stsEndpoint?: string;
        region?: string;
        audience?: string;
        credentialProcess?: boolean;
        json?: boolean;
        sessionDir?: string;
        url?: string;
      }) => {
        const durationSeconds = parseSecondsFlag('--duration-seconds', options.durationSeconds, 900);
        const stsEndpoint = parseUrlFlag('--sts-endpoint', options.stsEndpoint);
        const { runIdpLoginAws } = await import('../commands/idp-login-aws.ts');
        await runIdpLoginAws({
          roleArn: options.roleArn,
          durationSeconds,
          profile: options.profile,
          stsEndpoint,
          region: options.region,
          audience: options.audience,
          credentialProcess: options.credentialProcess === true,
          json: options.json === true,
          sessionDir: options.sessionDir,
          url: options.url,
        });
      },
    );
}

export function defineCredentialProcessCommand(program: Command): void {
  program
    .command('credential-process')
    .description('print AWS credential_process JSON for a role of the current session')
    .requiredOption('--role-arn <arn>', 'the IAM role to assume')
    .option('--duration-seconds <n>', 'DurationSeconds (900–43200; default 3600)')
    .option('--sts-endpoint <url>', 'STS endpoint (default env AWS_ENDPOINT_URL_STS, else the regional endpoint)')
    .option('--region <region>', 'STS region (default env AWS_REGION, else the session\'s)')
    .option('--session-dir <dir>', SESSION_DIR_HELP)
    .option('--url <url>', URL_HELP)
    .action(async (options: { roleArn: string; durationSeconds?: string; stsEndpoint?: string; region?: string; sessionDir?: string; url?: string }) => {
      const durationSeconds = parseSecondsFlag('--duration-seconds', options.durationSeconds, 900);
      const stsEndpoint = parseUrlFlag('--sts-endpoint', options.stsEndpoint);
      const { runCredentialProcess } = await import('../commands/credential-process.ts');
      await runCredentialProcess({ roleArn: options.roleArn, durationSeconds, stsEndpoint, region: options.region, sessionDir: options.sessionDir, url: options.url });
    });
}
