import { writeFileAtomically, type Clock } from '../core/index.ts';
import type { IssuedSessionToken } from './types.ts';

/** Scheduling, injected beside the clock so that tests move time instead of sleeping. */
export interface RefreshTimers {
  set(callback: () => void, delayMs: number): object;
  clear(handle: object): void;
}

export interface ContentTokenFileOptions {
  /** The file content reads (`CONNECT_CONTENT_SESSION_TOKEN_FILE`). */
  path: string;
  /** Gets a fresh content session token (minted on the data directory, or from the broker's API). */
  issue: () => Promise<IssuedSessionToken>;
  clock: Clock;
  timers?: RefreshTimers | undefined;
  /** Told about a failed refresh and when the next try is; the old token stays in the file meanwhile. */
  onError?: ((error: unknown, retryInMs: number) => void) | undefined;
  /** Fraction of a token's lifetime after which it is replaced (default 0.8, as kubelet rotates). */
  refreshFraction?: number | undefined;
  random?: (() => number) | undefined;
}

export interface ContentTokenFile {
  /** The token now in the file. */
  current(): IssuedSessionToken;
  /** Number of successful writes, the first included. */
  readonly writes: number;
  stop(): void;
}

const systemTimers: RefreshTimers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;

/**
 * Keeps a content session token file fresh, the way the agent keeps a session's token file:
 * the bare token written by atomic replace (mode 0600), replaced at 80% of its lifetime, and
 * on failure retried with jittered backoff while the old token stays until it expires.
 * Resolves once the first token is written; rejects if that first one cannot be had.
 */
export async function startContentTokenFile(options: ContentTokenFileOptions): Promise<ContentTokenFile> {
  const timers = options.timers ?? systemTimers;
  const fraction = options.refreshFraction ?? 0.8;
  const random = options.random ?? Math.random;
  let current = await options.issue();
  writeFileAtomically(options.path, current.token, 0o600);
  let writes = 1;
  let failures = 0;
  let handle: object | undefined;
  let stopped = false;

  const schedule = (delayMs: number): void => {
    if (!stopped) handle = timers.set(() => void refresh(), Math.max(0, delayMs));
  };
  const nextRefreshDelay = (): number => current.issuedAt + (current.expiresAt - current.issuedAt) * fraction - options.clock.now();

  const refresh = async (): Promise<void> => {
    if (stopped) return;
    try {
      const next = await options.issue();
      if (stopped) return;
      writeFileAtomically(options.path, next.token, 0o600);
      current = next;
      writes++;
      failures = 0;
      schedule(nextRefreshDelay());
    } catch (error) {
      failures++;
      // Full jitter under a doubling cap, never later than half the old token's remaining life.
      const cap = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** (failures - 1), Math.max(MIN_RETRY_MS, (current.expiresAt - options.clock.now()) / 2));
      const delay = Math.max(MIN_RETRY_MS / 2, Math.floor(random() * cap));
      options.onError?.(error, delay);
      schedule(delay);
    }
  };

  schedule(nextRefreshDelay());
  return {
    current: () => current,
    get writes() {
      return writes;
    },
    stop() {
      stopped = true;
      if (handle !== undefined) timers.clear(handle);
    },
  };
}
