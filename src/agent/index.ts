/**
 * The session agent: keeps each session's web identity token file fresh (rotated at 80 % of
 * its lifetime, atomically, 0600, bare token), writes the session's env and AWS config files,
 * optionally serves container credentials on loopback, and reports its state at `/status`.
 * Also the AWS shared-config editor used by `roleport idp login aws`.
 * @see ../../docs/session-protocol.md
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
 */
export { createAgent } from './agent.ts';
export type { AddSessionOptions, Agent, AgentEvent, AgentOptions, AgentSession, AgentSessionStatus, AgentStatus, ContainerCredentialsOptions } from './types.ts';
export { defaultRoleportCommand } from './roleport-command.ts';
export { isFinalSessionError } from './final-errors.ts';
export { statusJson } from './status.ts';
export {
  createTokenRefresher,
  DEFAULT_BACKOFF,
  DEFAULT_REFRESH_FRACTION,
  DEFAULT_REFRESH_JITTER,
  type BackoffOptions,
  type FetchedToken,
  type RefreshEvent,
  type RefreshState,
  type RefreshStatus,
  type TokenRefresher,
  type TokenRefresherOptions,
} from './token-refresher.ts';
export { createRoleCredentials, type ContainerCredentialsBody, type RoleCredentials, type RoleCredentialsOptions, type RoleCredentialsStatus } from './role-credentials.ts';
export { startAgentListener, type AgentListener, type ListenerRoutes } from './listener.ts';
export {
  profileName,
  roleTokenFile,
  quoteArgument,
  renderAwsConfig,
  sessionEnvironment,
  SHADOWING_VARIABLES,
  type AwsConfigOptions,
  type ProfileStyle,
  type SessionEnvironmentOptions,
} from './session-files.ts';
export { writeTokenFile, removeTokenFile } from './token-file.ts';
/** The session directory's layout and env file now live in client/, which the in-session commands share. */
export { renderEnvFile, sessionLayout, type SessionLayout } from '../client/index.ts';
export { ManualTimers, systemTimers, type TimerHandle, type Timers } from './timers.ts';
export { parseIni, removeIniKeys, setIniSection, type IniDocument } from './aws-ini.ts';
