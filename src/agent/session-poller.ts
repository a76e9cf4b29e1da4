import type { Clock, Logger } from '../core/index.ts';
import type { BrokerClient, BrokerSession } from '../client/index.ts';
import { isFinalSessionError } from './final-errors.ts';
import type { ManagedSession } from './managed-session.ts';
import type { Timers } from './timers.ts';

export interface SessionPollerOptions {
  client: BrokerClient;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** 0 or less: never poll. */
  intervalMs: number;
  /** Whether the agent still serves this session (a poll that lands after removal is dropped). */
  isServed: (sessionId: string) => boolean;
  /** The session is no longer active (ended, revoked, credential refused). */
  stop: (managed: ManagedSession, reason: string) => void;
  /** Its roles were added, removed or switched; `managed.session` already holds the new ones. */
  rolesChanged: (managed: ManagedSession, current: BrokerSession) => void;
}

export interface SessionPoller {
  schedule(managed: ManagedSession, delayMs: number): void;
}

const roleKey = (session: BrokerSession): string => session.roles.map((r) => `${r.arn}|${r.profile}|${r.sessionName}`).join('\n');

/** Re-reads each session every interval: picks up role changes, and stops a session that ended. */
export function createSessionPoller(options: SessionPollerOptions): SessionPoller {
  function schedule(managed: ManagedSession, delayMs: number): void {
    if (options.intervalMs <= 0 || managed.stoppedReason !== undefined) return;
    managed.pollTimer = options.timers.set(() => {
      managed.pollTimer = undefined;
      void poll(managed);
    }, delayMs);
  }

  async function poll(managed: ManagedSession): Promise<void> {
    try {
      const current = await options.client.getCurrentSession(managed.credential);
      if (managed.stoppedReason !== undefined || !options.isServed(current.id)) return;
      managed.lastPollAt = options.clock.now();
      if (current.state !== 'active') {
        managed.session = current;
        options.stop(managed, `session ${current.state}`);
        return;
      }
      const changed = roleKey(managed.session) !== roleKey(current);
      managed.session = current;
      if (changed) options.rolesChanged(managed, current);
    } catch (error) {
      if (isFinalSessionError(error)) {
        options.stop(managed, error instanceof Error ? error.message : String(error));
        return;
      }
      options.logger.warn({ err: error, sessionId: managed.session.id }, 'could not re-read the session; trying again later');
    }
    schedule(managed, options.intervalMs);
  }

  return { schedule };
}
