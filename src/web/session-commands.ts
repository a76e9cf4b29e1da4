import { cloudTargetLines, type CloudTargetsView } from './cloud-environment.ts';

/**
 * The commands the session pages tell people to paste. They must work as shown, in
 * `roleport dev` and in production: the roleport command as this deployment spells it
 * (`npx roleport` in a checkout), and the STS the deployment uses. With a local STS the agent
 * serves container credentials — every AWS SDK and CLI asks it, even those (Debian's AWS CLI
 * 2.9) that ignore `AWS_ENDPOINT_URL_STS` for web identity — and the AWS CLI gets
 * `--endpoint-url` for its own call.
 */
export interface CommandSettings {
  /** The broker's URL, as the agent reaches it. */
  brokerUrl: string;
  /** `roleport`, or `npx roleport` where it is not on PATH. */
  cliCommand: string;
  /** An STS endpoint instead of AWS's regional one (the local STS), or undefined for AWS. */
  stsEndpoint: string | undefined;
}

/** Where the agent keeps a session's files (the agent's own default). */
export function sessionDir(sessionId: string): string {
  return `$HOME/.roleport/sessions/${sessionId}`;
}

/** Step 1, in a terminal of its own: the agent that keeps the session's files fresh. */
export function agentCommand(settings: CommandSettings, sessionId: string, credential: string): string {
  // Continued lines (backslash-newline), so the page shows it without scrolling and a shell takes it as one command.
  const local = settings.stsEndpoint === undefined ? '' : ` \\\n  --container-credentials --sts-endpoint ${settings.stsEndpoint}`;
  return [
    `export ROLEPORT_URL=${settings.brokerUrl}`,
    `export ROLEPORT_SESSION_CREDENTIAL=${credential}`,
    `${settings.cliCommand} agent --dir "${sessionDir(sessionId)}"${local}`,
  ].join('\n');
}

/** Step 2, in the workload's terminal: the environment the agent wrote, then a first AWS call. */
export function workloadCommands(settings: CommandSettings, sessionId: string): string {
  return [
    `set -a; . "${sessionDir(sessionId)}/env"; set +a`,
    `aws sts get-caller-identity${settings.stsEndpoint === undefined ? '' : ` --endpoint-url ${settings.stsEndpoint}`}`,
  ].join('\n');
}

/**
 * The variables for a workload configured by hand (a container spec): the web identity token
 * file the agent rotates. Only where sessions use AWS's own STS; with a local STS the env file
 * (container credentials) is the way that works with every client.
 */
export function tokenFileEnvironment(session: CloudTargetsView & { id: string; region: string; roles: ReadonlyArray<{ arn: string; sessionName: string }> }): string | undefined {
  const role = session.roles[0];
  if (role === undefined) return undefined;
  const dir = sessionDir(session.id);
  return [
    `export AWS_ROLE_ARN=${role.arn}`,
    `export AWS_WEB_IDENTITY_TOKEN_FILE="${dir}/token"`,
    `export AWS_ROLE_SESSION_NAME=${role.sessionName}`,
    `export AWS_REGION=${session.region}`,
    `export AWS_DEFAULT_REGION=${session.region}`,
    'export AWS_STS_REGIONAL_ENDPOINTS=regional',
    `export AWS_CONFIG_FILE="${dir}/aws-config"`,
    ...cloudTargetLines(session, dir),
  ].join('\n');
}
