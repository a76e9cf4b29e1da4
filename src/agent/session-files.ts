import { join } from 'node:path';
import type { BrokerSession, SessionLayout } from '../client/index.ts';

/** The token file of the role with this profile name. */
export function roleTokenFile(layout: Pick<SessionLayout, 'roleTokenDir'>, profile: string): string {
  return join(layout.roleTokenDir, profileName(profile));
}

/** How each role's profile gets its credentials. */
export type ProfileStyle = 'web-identity' | 'credential-process';

export interface SessionEnvironmentOptions {
  session: BrokerSession;
  layout: SessionLayout;
  brokerUrl: string;
  /** The container-credentials endpoint of the session's first role, when it is served. */
  containerCredentialsUrl?: string | undefined;
  /** Its `Authorization` value, also given inline for SDKs that predate the token file (AWS CLI 2.9). */
  containerAuthorization?: string | undefined;
  /** Sets `AWS_ENDPOINT_URL_STS` (e.g. Roleport's local STS). */
  stsEndpoint?: string | undefined;
  /** Whether the token file is how the workload gets credentials (default: unless container credentials are served). */
  webIdentityInEnvironment?: boolean | undefined;
}

/**
 * The variables a workload of the session gets. Never static keys: an `AWS_ACCESS_KEY_ID`
 * in the environment wins over every refreshing provider and silently stops refresh.
 *
 * `AWS_WEB_IDENTITY_TOKEN_FILE` is set only when the token file is the delivery
 * (`webIdentityInEnvironment`): every SDK's default chain tries the web identity variables
 * before `credential_process` and the container endpoint, so with them set those would
 * never be asked (and an old AWS CLI that ignores `AWS_ENDPOINT_URL_STS` would send the
 * token to the real STS). The token file is written either way.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
 */
export function sessionEnvironment(options: SessionEnvironmentOptions): Record<string, string> {
  const { session, layout } = options;
  const primary = session.roles[0];
  const env: Record<string, string> = {};
  if (primary !== undefined) {
    env['AWS_ROLE_ARN'] = primary.arn;
    if (options.webIdentityInEnvironment ?? options.containerCredentialsUrl === undefined) env['AWS_WEB_IDENTITY_TOKEN_FILE'] = layout.tokenFile;
    env['AWS_ROLE_SESSION_NAME'] = primary.sessionName;
  }
  env['AWS_REGION'] = session.region;
  env['AWS_DEFAULT_REGION'] = session.region;
  env['AWS_STS_REGIONAL_ENDPOINTS'] = 'regional';
  env['AWS_CONFIG_FILE'] = layout.awsConfigFile;
  if (options.stsEndpoint !== undefined) env['AWS_ENDPOINT_URL_STS'] = options.stsEndpoint;
  if (options.containerCredentialsUrl !== undefined) {
    env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = options.containerCredentialsUrl;
    env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'] = layout.authorizationTokenFile;
    // Newer SDKs prefer the file; older ones (botocore before 1.31) only read this.
    if (options.containerAuthorization !== undefined) env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = options.containerAuthorization;
  }
  env['ROLEPORT_URL'] = options.brokerUrl;
  env['ROLEPORT_SESSION_DIR'] = layout.dir;
  return env;
}

/** Variables a session's workload must not inherit: each one shadows or breaks the refreshing providers. */
export const SHADOWING_VARIABLES: readonly string[] = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

export interface AwsConfigOptions {
  session: BrokerSession;
  layout: SessionLayout;
  profileStyle: ProfileStyle;
  /** argv that runs `roleport`, e.g. `[process.execPath, '/…/bin/roleport.js']`. */
  roleportCommand: readonly string[];
  brokerUrl: string;
  stsEndpoint?: string | undefined;
}

/** A profile name safe inside `[profile …]`. */
export function profileName(name: string): string {
  const cleaned = name.replace(/[^\w+=,.@-]/g, '-');
  if (cleaned === '') return 'role';
  return cleaned === 'default' ? 'role-default' : cleaned;
}

/**
 * The agent's own AWS config file: `[default]` (the region; with `credential_process`
 * profiles also the first role's), then one `[profile NAME]` per role with its own
 * `web_identity_token_file` + `role_arn` + `role_session_name`, or `credential_process`.
 * Never static keys.
 * @see https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-role.html#cli-configure-role-oidc
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
 */
export function renderAwsConfig(options: AwsConfigOptions): string {
  const { session, layout } = options;
  const credentialProcess = (arn: string): string =>
    [
      ...options.roleportCommand,
      'credential-process',
      '--role-arn',
      arn,
      '--session-dir',
      layout.dir,
      '--url',
      options.brokerUrl,
      ...(options.stsEndpoint === undefined ? [] : ['--sts-endpoint', options.stsEndpoint]),
    ]
      .map(quoteArgument)
      .join(' ');
  const lines = [`# Written by roleport agent for session ${session.id}; rewritten when its roles change. Do not edit.`, '[default]'];
  // With credential_process profiles the environment carries no web identity variables, so
  // the default profile is the first role; otherwise it holds the region only.
  const primary = session.roles[0];
  if (options.profileStyle === 'credential-process' && primary !== undefined) lines.push(`credential_process = ${credentialProcess(primary.arn)}`);
  lines.push(`region = ${session.region}`);
  for (const role of session.roles) {
    lines.push('', `[profile ${profileName(role.profile)}]`);
    if (options.profileStyle === 'credential-process') {
      lines.push(`credential_process = ${credentialProcess(role.arn)}`);
    } else {
      lines.push(`role_arn = ${role.arn}`, `web_identity_token_file = ${roleTokenFile(layout, role.profile)}`, `role_session_name = ${role.sessionName}`);
    }
    lines.push(`region = ${session.region}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Quotes one argument of `credential_process`, which botocore splits like a POSIX shell and
 * the JavaScript SDK hands to `/bin/sh`: double quotes with `\`, `"`, `$` and `` ` `` escaped.
 */
export function quoteArgument(argument: string): string {
  if (/^[\w@%+=:,./-]+$/.test(argument)) return argument;
  return `"${argument.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}
