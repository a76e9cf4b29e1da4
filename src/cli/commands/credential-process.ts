import type { Command } from 'commander';
import { assumeRoleWithWebIdentity, type AssumeRoleWithWebIdentityResult } from '../../aws/sts-exchange.ts';
import { createBrokerClient, findSessionCredential, resolveBrokerUrl, type BrokerClient, type BrokerSession } from '../../client/index.ts';
import { nonEmptyEnv, parseSecondsFlag, parseUrlFlag } from './agent.ts';

/** Flags shared by the in-session commands that reach the broker. */
export interface InSessionFlags {
  sessionDir?: string;
  url?: string;
}

export interface InSessionContext {
  client: BrokerClient;
  credential: string;
}

/** The broker client and session credential of the session this process runs in. */
export function inSessionContext(flags: InSessionFlags): InSessionContext {
  const { credential } = findSessionCredential({ sessionDir: flags.sessionDir, env: process.env });
  return { client: createBrokerClient({ baseUrl: resolveBrokerUrl(flags.url, process.env) }), credential };
}

export interface RoleExchangeOptions {
  context: InSessionContext;
  roleArn: string;
  durationSeconds?: number | undefined;
  stsEndpoint?: string | undefined;
  region?: string | undefined;
  audience?: string | undefined;
  roleSessionName?: string | undefined;
}

/**
 * Session credential → fresh token for the role (per attempt) → STS
 * `AssumeRoleWithWebIdentity`. The session supplies the region and the session name for its
 * own roles. A role outside the session gets the first role's token, which that role's trust
 * policy refuses when it pins the role in `:sub` (as `roleport aws trust-policy` writes it);
 * only an unbound trust policy would accept it.
 */
export async function exchangeForRole(options: RoleExchangeOptions): Promise<{ result: AssumeRoleWithWebIdentityResult; session: BrokerSession }> {
  const { client, credential } = options.context;
  const session = await client.getCurrentSession(credential);
  const role = session.roles.find((r) => r.arn === options.roleArn);
  const roleSessionName = options.roleSessionName ?? role?.sessionName ?? session.roles[0]?.sessionName ?? session.userName;
  const result = await assumeRoleWithWebIdentity({
    region: options.region ?? process.env['AWS_REGION'] ?? session.region,
    endpoint: options.stsEndpoint ?? nonEmptyEnv('AWS_ENDPOINT_URL_STS'),
    roleArn: options.roleArn,
    roleSessionName,
    durationSeconds: options.durationSeconds,
    getToken: async () =>
      (await client.exchangeToken({ sessionCredential: credential, audience: options.audience, resource: role === undefined ? undefined : role.arn })).token,
  });
  return { result, session };
}

interface CredentialProcessFlags extends InSessionFlags {
  roleArn: string;
  durationSeconds?: string;
  stsEndpoint?: string;
  region?: string;
}

/**
 * `roleport credential-process --role-arn ARN`: the AWS `credential_process` protocol —
 * JSON on stdout, or a non-zero exit with one line on stderr.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
 */
export function registerCredentialProcessCommand(program: Command): void {
  program
    .command('credential-process')
    .description('print AWS credential_process JSON for a role of the current session')
    .requiredOption('--role-arn <arn>', 'the IAM role to assume')
    .option('--duration-seconds <n>', 'DurationSeconds (900–43200; default 3600)')
    .option('--sts-endpoint <url>', 'STS endpoint (default env AWS_ENDPOINT_URL_STS, else the regional endpoint)')
    .option('--region <region>', 'STS region (default env AWS_REGION, else the session\'s)')
    .option('--session-dir <dir>', 'the agent\'s session directory (default env ROLEPORT_SESSION_DIR)')
    .option('--url <url>', 'the broker (default env ROLEPORT_URL)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<CredentialProcessFlags>();
      const durationSeconds = parseSecondsFlag('--duration-seconds', flags.durationSeconds, 900);
      const { result } = await exchangeForRole({
        context: inSessionContext(flags),
        roleArn: flags.roleArn,
        durationSeconds,
        stsEndpoint: parseUrlFlag('--sts-endpoint', flags.stsEndpoint),
        region: flags.region,
      });
      const output = {
        Version: 1,
        AccessKeyId: result.credentials.accessKeyId,
        SecretAccessKey: result.credentials.secretAccessKey,
        SessionToken: result.credentials.sessionToken,
        Expiration: new Date(result.credentials.expiration).toISOString(),
        ...(result.accountId === undefined ? {} : { AccountId: result.accountId }),
      };
      process.stdout.write(`${JSON.stringify(output)}\n`);
    });
}
