import type { Clock, Logger } from '../core/index.ts';
import type { BrokerClient, BrokerSession, SessionLayout } from '../client/index.ts';
import type { RoleCredentialsStatus } from './role-credentials.ts';
import type { ProfileStyle } from './session-files.ts';
import type { Timers } from './timers.ts';
import type { BackoffOptions, RefreshEvent, RefreshStatus } from './token-refresher.ts';

/** The container-credentials endpoint's STS settings. */
export interface ContainerCredentialsOptions {
  /** `DurationSeconds` asked of STS (default 3600). */
  durationSeconds?: number | undefined;
  failoverRegions?: readonly string[] | undefined;
  /** Renew when this little is left (default 20 min; half the lifetime at the earliest). */
  renewBeforeMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
}

export interface AgentOptions {
  client: BrokerClient;
  clock?: Clock | undefined;
  timers?: Timers | undefined;
  random?: (() => number) | undefined;
  logger?: Logger | undefined;
  /** Refresh the token file at this fraction of its lifetime (default 0.8). */
  refreshFraction?: number | undefined;
  /** Refresh up to this fraction of the lifetime earlier, at random (default 0.05). */
  refreshJitter?: number | undefined;
  backoff?: BackoffOptions | undefined;
  /** How often to re-read the session for added or switched roles (default 30 s; 0 = never). */
  pollIntervalMs?: number | undefined;
  /** Serve container credentials (and start the loopback listener). */
  containerCredentials?: ContainerCredentialsOptions | undefined;
  /** STS endpoint override (Roleport's local STS): `AWS_ENDPOINT_URL_STS` and the agent's own calls. */
  stsEndpoint?: string | undefined;
  /** How the AWS config profiles get credentials (default `web-identity`). */
  profileStyle?: ProfileStyle | undefined;
  /** argv that runs `roleport` for `credential_process` (default: {@link defaultRoleportCommand}). */
  roleportCommand?: readonly string[] | undefined;
  /** Start the loopback listener for `/status` even without container credentials. */
  listen?: { host?: string; port?: number } | undefined;
  /** Write the session credential into the session directory for in-session commands (default true). */
  writeSessionCredential?: boolean | undefined;
  onEvent?: ((event: AgentEvent) => void) | undefined;
}

export type AgentEvent =
  | { type: 'token'; sessionId: string; event: RefreshEvent; status: RefreshStatus }
  | { type: 'roles-changed'; sessionId: string; roles: string[] }
  | { type: 'session-stopped'; sessionId: string; reason: string };

export interface AddSessionOptions {
  /** `rps_…`. */
  credential: string;
  /** The session's directory (created 0700). */
  dir: string;
}

/** One session's state as `/status` shows it. */
export interface AgentSessionStatus {
  id: string;
  user: string;
  state: BrokerSession['state'] | 'stopped';
  region: string;
  roles: Array<{ arn: string; profile: string; sessionName: string }>;
  dir: string;
  token: RefreshStatus;
  containerCredentials: RoleCredentialsStatus[] | null;
  lastPollAt: number | null;
}

export interface AgentStatus {
  sessions: AgentSessionStatus[];
}

export interface AgentSession {
  readonly id: string;
  readonly layout: SessionLayout;
  session(): BrokerSession;
  /** The variables a workload of this session needs (also in the `env` file). */
  environment(): Record<string, string>;
  status(): AgentSessionStatus;
  /** Resolves once refresh stopped for good and the token file is gone. */
  readonly finished: Promise<{ reason: string }>;
}

export interface Agent {
  /** Starts the loopback listener if it is not running; resolves with its URL. */
  listen(): Promise<string>;
  /** The listener's URL, once listening. */
  readonly url: string | undefined;
  /** Looks the session up, writes its files, and resolves once its first token is on disk. */
  addSession(options: AddSessionOptions): Promise<AgentSession>;
  /** Stops serving a session; with `removeFiles`, deletes its directory. */
  removeSession(sessionId: string, options?: { removeFiles?: boolean }): void;
  status(): AgentStatus;
  close(): Promise<void>;
}
