import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultRoleportCommand, quoteArgument, removeIniKeys, setIniSection } from '../../agent/index.ts';
import { sessionLayout } from '../../client/index.ts';
import { nonEmptyEnv } from '../flags.ts';
import { writeFileAtomically } from '../../core/index.ts';
import { UsageError, print } from '../output.ts';
import { exchangeForRole, inSessionContext, type InSessionFlags } from '../in-session.ts';

export interface IdpLoginAwsOptions extends InSessionFlags {
  roleArn: string;
  durationSeconds?: number | undefined;
  /** Default `default`. */
  profile: string;
  stsEndpoint?: string | undefined;
  region?: string | undefined;
  audience?: string | undefined;
  /** Write `credential_process` into the config instead of static keys. */
  credentialProcess: boolean;
  json: boolean;
}

const STATIC_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'];

/**
 * `roleport idp login aws`: assumes a role with the session's token and writes it as a profile
 * into ~/.aws/credentials and ~/.aws/config (or `credential_process`, which refreshes by itself).
 */
export async function runIdpLoginAws(flags: IdpLoginAwsOptions): Promise<void> {
  const profile = flags.profile;
  if (!/^[\w+=,.@-]{1,128}$/.test(profile)) throw new UsageError(`--profile ${profile}: expected letters, digits and +=,.@_-`);
  const { durationSeconds, stsEndpoint } = flags;
  const context = inSessionContext(flags);
  // Exchange even with --credential-process: a profile that cannot work is better refused now.
  const { result, session } = await exchangeForRole({ context, roleArn: flags.roleArn, durationSeconds, stsEndpoint, region: flags.region, audience: flags.audience });
  const region = flags.region ?? process.env['AWS_REGION'] ?? session.region;

  const credentialsFile = awsFilePath('AWS_SHARED_CREDENTIALS_FILE', 'credentials');
  const configFile = userAwsConfigPath(flags.sessionDir);
  const configSection = profile === 'default' ? 'default' : `profile ${profile}`;
  const credentialsText = readOrEmpty(credentialsFile);
  const configText = readOrEmpty(configFile);
  if (flags.credentialProcess) {
    const argv = [...defaultRoleportCommand(), 'credential-process', '--role-arn', flags.roleArn];
    if (durationSeconds !== undefined) argv.push('--duration-seconds', String(durationSeconds));
    if (stsEndpoint !== undefined) argv.push('--sts-endpoint', stsEndpoint);
    // With the session directory, credential-process finds the broker and keeps its cache there.
    const sessionDir = flags.sessionDir ?? nonEmptyEnv('ROLEPORT_SESSION_DIR');
    if (sessionDir !== undefined) argv.push('--session-dir', resolve(sessionDir));
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
    { profile, credentials_file: credentialsFile, config_file: configFile, assumed_role_arn: result.assumedRoleArn, expiration, credential_process: flags.credentialProcess },
    () =>
      flags.credentialProcess
        ? `profile ${profile}: credential_process in ${configFile} (refreshes by itself); checked as ${result.assumedRoleArn}`
        : `profile ${profile}: ${result.assumedRoleArn} in ${credentialsFile}, expires ${expiration}`,
  );
}

/**
 * The user's AWS config file: `AWS_CONFIG_FILE` when the user set it, `~/.aws/config` when it
 * is unset or names the session's own config (which `roleport run` and the agent set, and
 * which goes with the session): a profile written there would break when the session ends.
 */
function userAwsConfigPath(sessionDir: string | undefined): string {
  const explicit = nonEmptyEnv('AWS_CONFIG_FILE');
  const dir = sessionDir ?? nonEmptyEnv('ROLEPORT_SESSION_DIR');
  const sessionConfig = dir === undefined ? undefined : sessionLayout(resolve(dir)).awsConfigFile;
  if (explicit === undefined || resolve(explicit) === sessionConfig) return join(homedir(), '.aws', 'config');
  return explicit;
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
