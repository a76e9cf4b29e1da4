import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomId, RoleportError, silentLogger, systemClock, writeFileAtomically } from '../core/index.ts';
import { sessionLayout, tokenExpiry, type SessionLayout } from '../client/index.ts';
import { syncRoleCredentials } from './container-credentials.ts';
import { isFinalSessionError } from './final-errors.ts';
import { startAgentListener, type AgentListener } from './listener.ts';
import type { ManagedSession } from './managed-session.ts';
import { defaultRoleportCommand } from './roleport-command.ts';
import { createSessionPoller } from './session-poller.ts';
import { sessionRoutes } from './session-routes.ts';
import { roleTokenFile } from './session-files.ts';
import { createSessionWriter } from './session-writer.ts';
import { sessionStatus, statusJson } from './status.ts';
import { systemTimers } from './timers.ts';
import { writeTokenFile, removeTokenFile } from './token-file.ts';
import { createTokenRefresher } from './token-refresher.ts';
import type { AddSessionOptions, Agent, AgentOptions, AgentSession, AgentStatus } from './types.ts';

const DEFAULT_POLL_INTERVAL_MS = 30_000;

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
    if (!current.has(file)) removeTokenFile(file);
  }
}

function removeRoleTokens(layout: SessionLayout): void {
  removeTokenFile(layout.tokenFile);
  for (const name of readdirSync(layout.roleTokenDir)) removeTokenFile(join(layout.roleTokenDir, name));
}

/**
 * The session agent: per session, a rotated token file, an env file and an AWS config file
 * (one profile per role), optionally container credentials on loopback, and a poll of the
 * session that picks up role changes and ends. One process serves any number of sessions.
 * Each job has its module: the token file (token-refresher), the files (session-writer),
 * container credentials, the poll (session-poller) and the listener (session-routes);
 * this function holds the sessions and wires them together.
 * @see ../../docs/session-protocol.md
 */
export function createAgent(options: AgentOptions): Agent {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const sessions = new Map<string, ManagedSession>();
  let listener: AgentListener | undefined;
  let listening: Promise<AgentListener> | undefined;
  let closed = false;

  const writer = createSessionWriter({
    brokerUrl: options.client.baseUrl,
    stsEndpoint: options.stsEndpoint,
    profileStyle: options.profileStyle ?? 'web-identity',
    roleportCommand: options.roleportCommand ?? defaultRoleportCommand(),
    containerUrl: (managed) =>
      managed.authorization === undefined || listener === undefined ? undefined : `${listener.url}/v1/sessions/${managed.session.id}/credentials`,
  });

  const startRoleCredentials = (managed: ManagedSession): void => {
    if (options.containerCredentials === undefined) return;
    syncRoleCredentials(managed, { client: options.client, settings: options.containerCredentials, stsEndpoint: options.stsEndpoint, clock, timers, random, logger, backoff: options.backoff });
  };

  const poller = createSessionPoller({
    client: options.client,
    clock,
    timers,
    logger,
    intervalMs: pollIntervalMs,
    isServed: (sessionId) => sessions.has(sessionId),
    stop: stopSession,
    rolesChanged: (managed, current) => {
      // Each token names its role: a new role needs its own token now, not at the next refresh.
      managed.refresher.refreshNow();
      writer.write(managed);
      startRoleCredentials(managed);
      logger.info({ sessionId: current.id, roles: current.roles.map((r) => r.arn) }, 'session roles changed');
      options.onEvent?.({ type: 'roles-changed', sessionId: current.id, roles: current.roles.map((r) => r.arn) });
    },
  });

  function listen(): Promise<AgentListener> {
    listening ??= startAgentListener(sessionRoutes(sessions, () => statusJson(status())), options.listen ?? {}).then((started) => (listener = started));
    return listening;
  }

  function stopSession(managed: ManagedSession, reason: string): void {
    if (managed.stoppedReason !== undefined) return;
    managed.stoppedReason = reason;
    if (managed.pollTimer !== undefined) timers.clear(managed.pollTimer);
    managed.pollTimer = undefined;
    for (const credentials of managed.roleCredentials.values()) credentials.close();
    // credential-process must not hand out a stopped session's cached credentials.
    rmSync(managed.layout.credentialCacheDir, { recursive: true, force: true });
    // Stops refresh; the file goes when the token expires (a no-op if the refresher stopped itself).
    managed.refresher.stop(reason);
    if (!managed.refresher.status().tokenFilePresent) managed.finish({ reason });
    logger.info({ sessionId: managed.session.id, reason }, `session ${managed.session.id} stopped: ${reason}`);
    options.onEvent?.({ type: 'session-stopped', sessionId: managed.session.id, reason });
  }

  function status(): AgentStatus {
    return { sessions: [...sessions.values()].map((managed) => sessionStatus(managed, options.containerCredentials !== undefined)) };
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
          const tokens = await Promise.all(
            managed.session.roles.map(async (role) => {
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
      environment: () => writer.environment(managed),
      status: () => sessionStatus(managed, options.containerCredentials !== undefined),
      finished,
    };
    sessions.set(session.id, managed);
    try {
      writer.write(managed);
      startRoleCredentials(managed);
      managed.refresher.start();
      // Spread the polls of many sessions over the interval instead of bunching them.
      poller.schedule(managed, Math.floor(pollIntervalMs * (0.5 + random() / 2)));
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
