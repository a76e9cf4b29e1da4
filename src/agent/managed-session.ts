import type { BrokerSession, SessionLayout } from '../client/index.ts';
import type { RoleCredentials } from './role-credentials.ts';
import type { TimerHandle } from './timers.ts';
import type { TokenRefresher } from './token-refresher.ts';

/** What the agent holds per session; the modules of one job each read and update it. */
export interface ManagedSession {
  credential: string;
  session: BrokerSession;
  layout: SessionLayout;
  refresher: TokenRefresher;
  /** The container endpoint's `Authorization` value, when container credentials are served. */
  authorization: string | undefined;
  roleCredentials: Map<string, RoleCredentials>;
  pollTimer: TimerHandle | undefined;
  lastPollAt: number | null;
  stoppedReason: string | undefined;
  finish: (value: { reason: string }) => void;
}
