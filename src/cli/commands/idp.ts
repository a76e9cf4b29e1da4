import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultRoleportCommand, quoteArgument, removeIniKeys, setIniSection } from '../../agent/index.ts';
import { decodeToken } from '../../client/index.ts';
import { writeFileAtomically } from '../../core/index.ts';
import { UsageError, print } from '../output.ts';
import { parseSecondsFlag, parseUrlFlag } from './agent.ts';
import { exchangeForRole, inSessionContext, type InSessionFlags } from './credential-process.ts';

interface TokenFlags extends InSessionFlags {
  audience?: string;
  roleArn?: string;
  decode?: boolean;
  json?: boolean;
}

interface LoginAwsFlags extends InSessionFlags {
  roleArn: string;
  durationSeconds?: string;
  profile?: string;
  stsEndpoint?: string;
  region?: string;
  audience?: string;
  credentialProcess?: boolean;
  json?: boolean;
}

const STATIC_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'];

export function registerIdpCommands(program: Command): void {
  const idp = program.command('idp').description('inside a session: the identity token and what it buys');

  idp
    .command('token')
    .description('print a fresh identity token of the current session')
    .option('--audience <aud>', 'the aud claim (default the session\'s, e.g. sts.amazonaws.com)')
    .option('--role-arn <arn>', 'the session role the token is for (default the first): its sub names that role, and other roles refuse it')
    .option('--decode', 'print the header and claims instead (not verified)')
    .option('--json', 'print JSON: {token, expires_in} (or {header, claims} with --decode)')
    .option('--session-dir <dir>', 'the agent\'s session directory (default env ROLEPORT_SESSION_DIR)')
    .option('--url <url>', 'the broker (default env ROLEPORT_URL)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<TokenFlags>();
      const context = inSessionContext(flags);
      const exchanged = await context.client.exchangeToken({ sessionCredential: context.credential, audience: flags.audience, resource: flags.roleArn });
      if (flags.decode === true) {
        const decoded = decodeToken(exchanged.token);
        print({ json: flags.json === true }, decoded, () => JSON.stringify(decoded, null, 2));
        return;
      }
      print({ json: flags.json === true }, { token: exchanged.token, issued_token_type: exchanged.issuedTokenType, expires_in: exchanged.expiresInSeconds }, () => exchanged.token);
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
    .option('--audience <aud>', 'token audience (default the session\'s)')
    .option('--credential-process', 'write credential_process into the config (refreshes by itself) instead of static keys')
    .option('--json', 'print what was written as JSON')
    .option('--session-dir <dir>', 'the agent\'s session directory (default env ROLEPORT_SESSION_DIR)')
    .option('--url <url>', 'the broker (default env ROLEPORT_URL)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<LoginAwsFlags>();
      const profile = flags.profile ?? 'default';
      if (!/^[\w+=,.@-]{1,128}$/.test(profile)) throw new UsageError(`--profile ${profile}: expected letters, digits and +=,.@_-`);
      const durationSeconds = parseSecondsFlag('--duration-seconds', flags.durationSeconds, 900);
      const stsEndpoint = parseUrlFlag('--sts-endpoint', flags.stsEndpoint);
      const context = inSessionContext(flags);
      // Exchange even with --credential-process: a profile that cannot work is better refused now.
      const { result, session } = await exchangeForRole({ context, roleArn: flags.roleArn, durationSeconds, stsEndpoint, region: flags.region, audience: flags.audience });
      const region = flags.region ?? process.env['AWS_REGION'] ?? session.region;

      const credentialsFile = awsFilePath('AWS_SHARED_CREDENTIALS_FILE', 'credentials');
      const configFile = awsFilePath('AWS_CONFIG_FILE', 'config');
      const configSection = profile === 'default' ? 'default' : `profile ${profile}`;
      const credentialsText = readOrEmpty(credentialsFile);
      const configText = readOrEmpty(configFile);
      if (flags.credentialProcess === true) {
        const argv = [...defaultRoleportCommand(), 'credential-process', '--role-arn', flags.roleArn];
        if (durationSeconds !== undefined) argv.push('--duration-seconds', String(durationSeconds));
        if (stsEndpoint !== undefined) argv.push('--sts-endpoint', stsEndpoint);
        // Static keys under the same profile would win over credential_process and stop refresh.
        editFile(credentialsFile, credentialsText, removeIniKeys(credentialsText, profile, STATIC_KEYS));
        editFile(configFile, configText, setIniSection(configText, configSection, { region, credential_process: argv.map(quoteArgument).join(' ') }));
      } else {
        editFile(
          credentialsFile,
          credentialsText,
          setIniSection(credentialsText, profile, {
            aws_access_key_id: result.credentials.accessKeyId,
            aws_secret_access_key: result.credentials.secretAccessKey,
            aws_session_token: result.credentials.sessionToken,
          }),
        );
        editFile(configFile, configText, setIniSection(configText, configSection, { region }, ['credential_process']));
      }
      const expiration = new Date(result.credentials.expiration).toISOString();
      print(
        { json: flags.json === true },
        { profile, credentials_file: credentialsFile, config_file: configFile, assumed_role_arn: result.assumedRoleArn, expiration, credential_process: flags.credentialProcess === true },
        () =>
          flags.credentialProcess === true
            ? `profile ${profile}: credential_process in ${configFile} (refreshes by itself); checked as ${result.assumedRoleArn}`
            : `profile ${profile}: ${result.assumedRoleArn} in ${credentialsFile}, expires ${expiration}`,
      );
    });
}

/** `~/.aws/<name>`, or the file the SDKs' environment variable names. */
function awsFilePath(variable: string, name: string): string {
  const explicit = process.env[variable];
  return explicit !== undefined && explicit !== '' ? explicit : join(homedir(), '.aws', name);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Atomic replace, mode 0600 (the credentials file holds secrets; the config may name them). */
function editFile(path: string, before: string, after: string): void {
  if (after === before) return;
  writeFileAtomically(path, after, 0o600);
}
