import type { Clock, Logger } from '../core/index.ts';
import { fullJitterDelay, silentLogger } from '../core/index.ts';
import type { Timers, TimerHandle } from './timers.ts';

/** Backoff after failed attempts: full jitter below `min(maxMs, initialMs·2^(n−1))`. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000 };
export const DEFAULT_REFRESH_FRACTION = 0.8;
export const DEFAULT_REFRESH_JITTER = 0.05;
// Never refresh sooner than this after a success, even if the broker hands out tokens that
// are (nearly) expired: a broken clock must not turn into a request storm.
const MIN_REFRESH_DELAY_MS = 1000;

/**
 * - `starting`: no token yet
 * - `fresh`: the last refresh succeeded
 * - `retrying`: refresh fails, the old token is still valid
 * - `expired`: refresh fails and the old token has expired
 * - `stopped`: the broker refused the session for good (`invalid_grant`); no more attempts
 * - `closed`: the agent let go of the session
 */
export type RefreshState = 'starting' | 'fresh' | 'retrying' | 'expired' | 'stopped' | 'closed';

/** A session's refresh state as `/status` reports it; times in ms since the epoch. */
export interface RefreshStatus {
  state: RefreshState;
  lastRefreshAt: number | null;
  nextRefreshAt: number | null;
  tokenExpiresAt: number | null;
  /** Failures since the last success. */
  consecutiveFailures: number;
  refreshes: number;
  failures: number;
  lastError: string | null;
  /** Why refresh stopped, when it did. */
  stoppedReason: string | null;
  /** Whether the token file is on disk. */
  tokenFilePresent: boolean;
}

/** What happened; `plannedAt` is when a refresh was due, for lateness measurements. */
export type RefreshEvent =
  | { type: 'refreshed'; plannedAt: number; completedAt: number; expiresAt: number }
  | { type: 'failed'; error: unknown; retryAt: number }
  | { type: 'expired' }
  | { type: 'stopped'; error: unknown }
  | { type: 'removed' };

/** What one refresh fetched: a token (or the tokens of a session's roles) and when the first of them expires. */
export interface FetchedToken<T = string> {
  token: T;
  /** ms since the epoch. */
  expiresAt: number;
}

export interface TokenRefresherOptions<T = string> {
  fetchToken: () => Promise<FetchedToken<T>>;
  /** True for a refusal no retry can change (the session was revoked or ended). */
  isFinal: (error: unknown) => boolean;
  writeToken: (token: T) => void;
  removeToken: () => void;
  clock: Clock;
  timers: Timers;
  random?: (() => number) | undefined;
  /** Refresh at this fraction of the token's lifetime (default 0.8). */
  refreshFraction?: number | undefined;
  /**
   * Up to this fraction of the lifetime earlier, drawn at random per refresh (default 0.05:
   * between 75 % and 80 %), so that sessions started together do not refresh together forever.
   */
  refreshJitter?: number | undefined;
  backoff?: BackoffOptions | undefined;
  onEvent?: ((event: RefreshEvent, status: RefreshStatus) => void) | undefined;
  logger?: Logger | undefined;
}

export interface TokenRefresher {
  /** Starts with an immediate attempt. */
  start(): void;
  /**
   * Refreshes at once, whatever the schedule (what the tokens are for has changed: a role
   * was added); if a refresh is under way, another follows it.
   */
  refreshNow(): void;
  /** Resolves once the first token is on disk; rejects if refresh stops before that. */
  readonly ready: Promise<void>;
  status(): RefreshStatus;
  /** Stops refreshing as a final refusal does: the file stays until the token expires, then goes. */
  stop(reason: string): void;
  /** Cancels every timer and leaves the file as it is (the agent is shutting down). */
  close(): void;
}

/**
 * One session's token-file loop: fetch, write atomically, schedule the next refresh at
 * `refreshFraction` of the token's lifetime (less a little jitter); on failure keep the old token, retry after a
 * fully jittered exponential backoff, and mark it `expired` once its `exp` passes; on a
 * final refusal stop and delete the file when the token expires.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function createTokenRefresher<T = string>(options: TokenRefresherOptions<T>): TokenRefresher {
  const { clock, timers } = options;
  const random = options.random ?? Math.random;
  const fraction = options.refreshFraction ?? DEFAULT_REFRESH_FRACTION;
  if (!(fraction > 0 && fraction < 1)) throw new TypeError(`refreshFraction must be in (0, 1), got ${fraction}`);
  const jitter = options.refreshJitter ?? DEFAULT_REFRESH_JITTER;
  if (!(jitter >= 0 && jitter < fraction)) throw new TypeError(`refreshJitter must be in [0, refreshFraction), got ${jitter}`);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const logger = options.logger ?? silentLogger;

  const status: RefreshStatus = {
    state: 'starting',
    lastRefreshAt: null,
    nextRefreshAt: null,
    tokenExpiresAt: null,
    consecutiveFailures: 0,
    refreshes: 0,
    failures: 0,
    lastError: null,
    stoppedReason: null,
    tokenFilePresent: false,
  };
  let refreshTimer: TimerHandle | undefined;
  let expiryTimer: TimerHandle | undefined;
  let inFlight = false;
  // A refreshNow() that came while a refresh was under way: that one may be for the old roles.
  let again = false;
  let plannedAt = clock.now();

  let resolveReady!: () => void;
  let rejectReady!: (error: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // The caller may never await `ready` (the agent command, the bench): no unhandled rejection.
  ready.catch(() => {});

  const emit = (event: RefreshEvent): void => options.onEvent?.(event, { ...status });
  const finished = (): boolean => status.state === 'stopped' || status.state === 'closed';

  function scheduleRefresh(at: number): void {
    if (refreshTimer !== undefined) timers.clear(refreshTimer);
    status.nextRefreshAt = at;
    plannedAt = at;
    refreshTimer = timers.set(() => {
      refreshTimer = undefined;
      void attempt();
    }, at - clock.now());
  }

  function scheduleExpiry(): void {
    if (expiryTimer !== undefined) timers.clear(expiryTimer);
    expiryTimer = undefined;
    if (status.tokenExpiresAt === null) return;
    expiryTimer = timers.set(onExpiry, status.tokenExpiresAt - clock.now());
  }

  function onExpiry(): void {
    expiryTimer = undefined;
    if (status.state === 'stopped') {
      removeFile();
      return;
    }
    if (status.state === 'retrying') {
      status.state = 'expired';
      logger.warn({ expiredAt: status.tokenExpiresAt }, 'the token expired while refresh keeps failing');
      emit({ type: 'expired' });
    }
  }

  function removeFile(): void {
    try {
      options.removeToken();
      status.tokenFilePresent = false;
      emit({ type: 'removed' });
    } catch (error) {
      logger.error({ err: error }, 'could not remove the token file');
    }
  }

  async function attempt(): Promise<void> {
    if (inFlight || finished()) return;
    inFlight = true;
    const due = plannedAt;
    try {
      const fetched = await options.fetchToken();
      if (finished()) return;
      options.writeToken(fetched.token);
      const now = clock.now();
      status.state = 'fresh';
      status.tokenFilePresent = true;
      status.lastRefreshAt = now;
      status.tokenExpiresAt = fetched.expiresAt;
      status.consecutiveFailures = 0;
      status.refreshes += 1;
      status.lastError = null;
      const share = jitter === 0 ? fraction : fraction - jitter * random();
      scheduleRefresh(now + Math.max(MIN_REFRESH_DELAY_MS, Math.floor((fetched.expiresAt - now) * share)));
      scheduleExpiry();
      resolveReady();
      emit({ type: 'refreshed', plannedAt: due, completedAt: now, expiresAt: fetched.expiresAt });
    } catch (error) {
      if (finished()) return;
      onFailure(error);
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        void attempt();
      }
    }
  }

  function onFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    status.failures += 1;
    status.consecutiveFailures += 1;
    status.lastError = message;
    if (options.isFinal(error)) {
      stopWith(message, error);
      return;
    }
    const now = clock.now();
    if (status.tokenExpiresAt !== null) status.state = status.tokenExpiresAt > now ? 'retrying' : 'expired';
    const retryAt = now + fullJitterDelay(status.consecutiveFailures, backoff.initialMs, backoff.maxMs, random);
    scheduleRefresh(retryAt);
    logger.warn({ err: error, failures: status.consecutiveFailures, retryAt }, 'token refresh failed; the old token stays until it expires');
    emit({ type: 'failed', error, retryAt });
  }

  function stopWith(reason: string, error: unknown): void {
    if (finished()) return;
    status.state = 'stopped';
    status.stoppedReason = reason;
    status.nextRefreshAt = null;
    if (refreshTimer !== undefined) timers.clear(refreshTimer);
    refreshTimer = undefined;
    rejectReady(error);
    // AWS accepts the old token until it expires anyway; deleting it then keeps a stale
    // file from being mistaken for a live session.
    if (status.tokenExpiresAt === null || status.tokenExpiresAt <= clock.now()) {
      if (status.tokenFilePresent) removeFile();
    } else {
      scheduleExpiry();
    }
    logger.warn({ reason }, `token refresh stopped: ${reason}`);
    emit({ type: 'stopped', error });
  }

  return {
    ready,
    start() {
      plannedAt = clock.now();
      void attempt();
    },
    refreshNow() {
      if (finished()) return;
      if (inFlight) {
        again = true;
        return;
      }
      if (refreshTimer !== undefined) timers.clear(refreshTimer);
      refreshTimer = undefined;
      plannedAt = clock.now();
      void attempt();
    },
    status: () => ({ ...status }),
    stop(reason) {
      stopWith(reason, new Error(reason));
    },
    close() {
      if (refreshTimer !== undefined) timers.clear(refreshTimer);
      if (expiryTimer !== undefined) timers.clear(expiryTimer);
      refreshTimer = undefined;
      expiryTimer = undefined;
      const wasStopped = status.state === 'stopped';
      status.state = 'closed';
      status.nextRefreshAt = null;
      if (!wasStopped) rejectReady(new Error('the agent closed the session'));
    },
  };
}
