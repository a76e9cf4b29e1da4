import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomId, RoleportError, silentLogger, systemClock, writeFileAtomically, type Clock, type Logger } from '../core/index.ts';
import { assumeRoleWithWebIdentity } from '../aws/sts-exchange.ts';
import { isBrokerClientError, tokenExpiry, type BrokerClient, type BrokerSession } from '../client/index.ts';
import { startAgentListener, type AgentListener } from './listener.ts';
import { createRoleCredentials, type RoleCredentials, type RoleCredentialsStatus } from './role-credentials.ts';
import { profileName, renderAwsConfig, renderEnvFile, roleTokenFile, sessionEnvironment, sessionLayout, type ProfileStyle, type SessionLayout } from './session-files.ts';
import { systemTimers, type TimerHandle, type Timers } from './timers.ts';
import { writeTokenFile, removeTokenFile } from './token-file.ts';
import { createTokenRefresher, type BackoffOptions, type RefreshEvent, type RefreshStatus, type TokenRefresher } from './token-refresher.ts';

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
  /** argv that runs `roleport` for `credential_process` (default: this Node and bin/roleport.js). */
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

const DEFAULT_POLL_INTERVAL_MS = 30_000;
// How long a credentials request may wait for a renewal: the SDKs give up after 2 s.
const CREDENTIALS_WAIT_MS = 1500;
const FINAL_CODES = new Set(['ERR_GRANT_INVALID', 'ERR_UNAUTHENTICATED', 'ERR_SESSION_INACTIVE']);

/** A refusal that no retry changes: the session was revoked or ended, or its credential is wrong. */
export function isFinalSessionError(error: unknown): boolean {
  return isBrokerClientError(error) && !error.retryable && FINAL_CODES.has(error.code);
}

/** `[this Node, …/bin/roleport.js]`: how the agent's `credential_process` lines run roleport. */
export function defaultRoleportCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/roleport.js', import.meta.url))];
}

/** Writes each role's token (and the first role's as `token`), then removes the files of roles the session no longer has. */
function writeRoleTokens(layout: SessionLayout, tokens: readonly { profile: string; token: string }[]): void {
  writeTokenFile(layout.tokenFile, tokens[0]!.token);
  const current = new Set<string>();
  for (const { profile, token } of tokens) {
    const file = roleTokenFile(layout, profile);
    writeTokenFile(file, token);
    current.add(file);
  }
  for (const name of readdirSync(layout.roleTokenDir)) {
    const file = join(layout.roleTokenDir, name);
    if (!current.has(file) && !name.startsWith('.')) removeTokenFile(file);
  }
}

function removeRoleTokens(layout: SessionLayout): void {
  removeTokenFile(layout.tokenFile);
  for (const name of readdirSync(layout.roleTokenDir)) removeTokenFile(join(layout.roleTokenDir, name));
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `/status` on the wire: snake_case, ISO 8601 times. */
export function statusJson(status: AgentStatus): unknown {
  return {
    sessions: status.sessions.map((s) => ({
      id: s.id,
      user: s.user,
      state: s.state,
      region: s.region,
      roles: s.roles.map((r) => ({ arn: r.arn, profile: r.profile, session_name: r.sessionName })),
      dir: s.dir,
      token: {
        state: s.token.state,
        last_refresh_at: iso(s.token.lastRefreshAt),
        next_refresh_at: iso(s.token.nextRefreshAt),
        expires_at: iso(s.token.tokenExpiresAt),
        consecutive_failures: s.token.consecutiveFailures,
        refreshes: s.token.refreshes,
        failures: s.token.failures,
        last_error: s.token.lastError,
        stopped_reason: s.token.stoppedReason,
        file_present: s.token.tokenFilePresent,
      },
      container_credentials:
        s.containerCredentials?.map((c) => ({
          role_arn: c.roleArn,
          profile: c.profile,
          state: c.state,
          expires_at: iso(c.expiresAt),
          last_renewal_at: iso(c.lastRenewalAt),
          next_renewal_at: iso(c.nextRenewalAt),
          consecutive_failures: c.consecutiveFailures,
          last_error: c.lastError,
        })) ?? null,
      last_poll_at: iso(s.lastPollAt),
    })),
  };
}

interface ManagedSession {
  credential: string;
  session: BrokerSession;
  layout: SessionLayout;
  refresher: TokenRefresher;
  authorization: string | undefined;
  roleCredentials: Map<string, RoleCredentials>;
  pollTimer: TimerHandle | undefined;
  lastPollAt: number | null;
  stoppedReason: string | undefined;
  finish: (value: { reason: string }) => void;
}

/**
 * The session agent: per session, a rotated token file, an env file and an AWS config file
 * (one profile per role), optionally container credentials on loopback, and a poll of the
 * session that picks up role changes and ends. One process serves any number of sessions.
 * @see ../../docs/session-protocol.md
 */
export function createAgent(options: AgentOptions): Agent {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const profileStyle = options.profileStyle ?? 'web-identity';
  const roleportCommand = options.roleportCommand ?? defaultRoleportCommand();
  const sessions = new Map<string, ManagedSession>();
  let listener: AgentListener | undefined;
  let listening: Promise<AgentListener> | undefined;
  let closed = false;

  function listen(): Promise<AgentListener> {
    listening ??= startAgentListener(
      {
        status: () => statusJson(status()),
        credentials: (sessionId) => {
          const managed = sessions.get(sessionId);
          if (managed?.authorization === undefined) return undefined;
          return {
            authorization: managed.authorization,
            get: (profile) => {
              // A revoked or ended session's credentials are not handed out any more, even while still valid.
              if (managed.stoppedReason !== undefined) return Promise.reject(new RoleportError('ERR_CREDENTIALS_UNAVAILABLE', `session stopped: ${managed.stoppedReason}`));
              const role = profile === undefined ? managed.session.roles[0] : managed.session.roles.find((r) => profileName(r.profile) === profile);
              return role === undefined ? undefined : managed.roleCredentials.get(role.arn)?.get(CREDENTIALS_WAIT_MS);
            },
          };
        },
      },
      options.listen ?? {},
    ).then((started) => (listener = started));
    return listening;
  }

  function containerUrl(managed: Pick<ManagedSession, 'authorization' | 'session'>): string | undefined {
    if (managed.authorization === undefined || listener === undefined) return undefined;
    return `${listener.url}/v1/sessions/${managed.session.id}/credentials`;
  }

  function environmentOf(managed: Pick<ManagedSession, 'authorization' | 'session' | 'layout'>): Record<string, string> {
    return sessionEnvironment({
      session: managed.session,
      layout: managed.layout,
      brokerUrl: options.client.baseUrl,
      containerCredentialsUrl: containerUrl(managed),
      containerAuthorization: managed.authorization,
      stsEndpoint: options.stsEndpoint,
      webIdentityInEnvironment: profileStyle === 'web-identity' && managed.authorization === undefined,
    });
  }

  function writeSessionFiles(managed: Pick<ManagedSession, 'authorization' | 'session' | 'layout'>): void {
    writeFileAtomically(managed.layout.envFile, renderEnvFile(environmentOf(managed)), 0o600);
    writeFileAtomically(
      managed.layout.awsConfigFile,
      renderAwsConfig({ session: managed.session, layout: managed.layout, profileStyle, roleportCommand, brokerUrl: options.client.baseUrl, stsEndpoint: options.stsEndpoint }),
      0o600,
    );
  }

  function startRoleCredentials(managed: ManagedSession): void {
    if (options.containerCredentials === undefined) return;
    const settings = options.containerCredentials;
    const wanted = new Set(managed.session.roles.map((r) => r.arn));
    for (const [arn, credentials] of managed.roleCredentials) {
      if (!wanted.has(arn)) {
        credentials.close();
        managed.roleCredentials.delete(arn);
      }
    }
    for (const role of managed.session.roles) {
      if (managed.roleCredentials.has(role.arn)) continue;
      const credentials = createRoleCredentials({
        roleArn: role.arn,
        profile: profileName(role.profile),
        clock,
        timers,
        random,
        logger,
        backoff: options.backoff,
        renewBeforeMs: settings.renewBeforeMs,
        isFinal: isFinalSessionError,
        exchange: (signal) =>
          assumeRoleWithWebIdentity({
            region: managed.session.region,
            endpoint: options.stsEndpoint,
            failoverRegions: settings.failoverRegions,
            roleArn: role.arn,
            roleSessionName: role.sessionName,
            durationSeconds: settings.durationSeconds ?? 3600,
            requestTimeoutMs: settings.requestTimeoutMs,
            signal,
            // A fresh token per attempt, bound to this role.
            getToken: async () => (await options.client.exchangeToken({ sessionCredential: managed.credential, resource: role.arn, signal })).token,
          }),
      });
      managed.roleCredentials.set(role.arn, credentials);
      credentials.start();
    }
  }

  function stopSession(managed: ManagedSession, reason: string): void {
    if (managed.stoppedReason !== undefined) return;
    managed.stoppedReason = reason;
    if (managed.pollTimer !== undefined) timers.clear(managed.pollTimer);
    managed.pollTimer = undefined;
    for (const credentials of managed.roleCredentials.values()) credentials.close();
    // Stops refresh; the file goes when the token expires (a no-op if the refresher stopped itself).
    managed.refresher.stop(reason);
    if (!managed.refresher.status().tokenFilePresent) managed.finish({ reason });
    logger.info({ sessionId: managed.session.id, reason }, `session ${managed.session.id} stopped: ${reason}`);
    options.onEvent?.({ type: 'session-stopped', sessionId: managed.session.id, reason });
  }

  function schedulePoll(managed: ManagedSession, delayMs: number): void {
    if (pollIntervalMs <= 0 || managed.stoppedReason !== undefined) return;
    managed.pollTimer = timers.set(() => {
      managed.pollTimer = undefined;
      void poll(managed);
    }, delayMs);
  }

  async function poll(managed: ManagedSession): Promise<void> {
    try {
      const current = await options.client.getCurrentSession(managed.credential);
      if (managed.stoppedReason !== undefined || !sessions.has(current.id)) return;
      managed.lastPollAt = clock.now();
      if (current.state !== 'active') {
        managed.session = current;
        stopSession(managed, `session ${current.state}`);
        return;
      }
      const before = managed.session.roles.map((r) => `${r.arn}|${r.profile}|${r.sessionName}`).join('\n');
      const after = current.roles.map((r) => `${r.arn}|${r.profile}|${r.sessionName}`).join('\n');
      managed.session = current;
      if (before !== after) {
        // Each token names its role: a new role needs its own token now, not at the next refresh.
        managed.refresher.refreshNow();
        writeSessionFiles(managed);
        startRoleCredentials(managed);
        logger.info({ sessionId: current.id, roles: current.roles.map((r) => r.arn) }, 'session roles changed');
        options.onEvent?.({ type: 'roles-changed', sessionId: current.id, roles: current.roles.map((r) => r.arn) });
      }
    } catch (error) {
      if (isFinalSessionError(error)) {
        stopSession(managed, error instanceof Error ? error.message : String(error));
        return;
      }
      logger.warn({ err: error, sessionId: managed.session.id }, 'could not re-read the session; trying again later');
    }
    schedulePoll(managed, pollIntervalMs);
  }

  function statusOf(managed: ManagedSession): AgentSessionStatus {
    return {
      id: managed.session.id,
      user: managed.session.userName,
      state: managed.stoppedReason === undefined ? managed.session.state : managed.session.state === 'active' ? 'stopped' : managed.session.state,
      region: managed.session.region,
      roles: managed.session.roles.map((r) => ({ arn: r.arn, profile: profileName(r.profile), sessionName: r.sessionName })),
      dir: managed.layout.dir,
      token: managed.refresher.status(),
      containerCredentials: options.containerCredentials === undefined ? null : [...managed.roleCredentials.values()].map((c) => c.status()),
      lastPollAt: managed.lastPollAt,
    };
  }

  function status(): AgentStatus {
    return { sessions: [...sessions.values()].map(statusOf) };
  }

  async function addSession(add: AddSessionOptions): Promise<AgentSession> {
    if (closed) throw new TypeError('the agent is closed');
    const session = await options.client.getCurrentSession(add.credential);
    if (session.state !== 'active') throw new RoleportError('ERR_SESSION_INACTIVE', `session ${session.id} is ${session.state}`);
    if (sessions.has(session.id)) throw new RoleportError('ERR_STORE_CONFLICT', `session ${session.id} is already served by this agent`);
    if (options.containerCredentials !== undefined || options.listen !== undefined) await listen();
    const layout = sessionLayout(add.dir);
    mkdirSync(layout.roleTokenDir, { recursive: true, mode: 0o700 });
    if (options.writeSessionCredential !== false) writeFileAtomically(layout.credentialFile, add.credential, 0o600);
    const authorization = options.containerCredentials === undefined ? undefined : randomId(32);
    if (authorization !== undefined) writeFileAtomically(layout.authorizationTokenFile, authorization, 0o600);

    let finish!: (value: { reason: string }) => void;
    const finished = new Promise<{ reason: string }>((resolve) => (finish = resolve));
    const managed: ManagedSession = {
      credential: add.credential,
      session,
      layout,
      authorization,
      roleCredentials: new Map(),
      pollTimer: undefined,
      lastPollAt: null,
      stoppedReason: undefined,
      finish,
      refresher: createTokenRefresher({
        clock,
        timers,
        random,
        logger,
        refreshFraction: options.refreshFraction,
        refreshJitter: options.refreshJitter,
        backoff: options.backoff,
        isFinal: isFinalSessionError,
        // One token per role, each minted for its role: a token's sub names the role, so the
        // other roles' trust policies refuse it. The first role's also goes to `token`.
        fetchToken: async () => {
          const requestedAt = clock.now();
          const roles = managed.session.roles;
          const tokens = await Promise.all(
            roles.map(async (role) => {
              const exchanged = await options.client.exchangeToken({ sessionCredential: add.credential, resource: role.arn });
              return { profile: role.profile, token: exchanged.token, expiresAt: tokenExpiry(exchanged.token, requestedAt + exchanged.expiresInSeconds * 1000) };
            }),
          );
          return { token: tokens, expiresAt: Math.min(...tokens.map((t) => t.expiresAt)) };
        },
        writeToken: (tokens) => writeRoleTokens(layout, tokens),
        removeToken: () => removeRoleTokens(layout),
        onEvent: (event, refreshStatus) => {
          if (event.type === 'stopped') stopSession(managed, refreshStatus.stoppedReason ?? 'stopped');
          if (event.type === 'removed') managed.finish({ reason: managed.stoppedReason ?? refreshStatus.stoppedReason ?? 'stopped' });
          options.onEvent?.({ type: 'token', sessionId: session.id, event, status: refreshStatus });
        },
      }),
    };
    const handle: AgentSession = {
      id: session.id,
      layout,
      session: () => managed.session,
      environment: () => environmentOf(managed),
      status: () => statusOf(managed),
      finished,
    };
    sessions.set(session.id, managed);
    try {
      writeSessionFiles(managed);
      startRoleCredentials(managed);
      managed.refresher.start();
      // Spread the polls of many sessions over the interval instead of bunching them.
      schedulePoll(managed, Math.floor(pollIntervalMs * (0.5 + random() / 2)));
      await managed.refresher.ready;
    } catch (error) {
      removeSession(session.id);
      throw error;
    }
    return handle;
  }

  function removeSession(sessionId: string, removeOptions: { removeFiles?: boolean } = {}): void {
    const managed = sessions.get(sessionId);
    if (managed === undefined) return;
    sessions.delete(sessionId);
    if (managed.pollTimer !== undefined) timers.clear(managed.pollTimer);
    for (const credentials of managed.roleCredentials.values()) credentials.close();
    managed.refresher.close();
    managed.finish({ reason: managed.stoppedReason ?? 'removed from the agent' });
    if (removeOptions.removeFiles === true) rmSync(managed.layout.dir, { recursive: true, force: true });
  }

  return {
    listen: async () => (await listen()).url,
    get url() {
      return listener?.url;
    },
    addSession,
    removeSession,
    status,
    async close() {
      closed = true;
      for (const id of [...sessions.keys()]) removeSession(id);
      if (listening !== undefined) await (await listening).close();
    },
  };
}
