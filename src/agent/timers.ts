import type { ManualClock } from '../core/index.ts';

/** An opaque handle of a scheduled callback. */
export type TimerHandle = object;

/**
 * Scheduling, injected beside the `Clock` so that tests move time forward instead of
 * sleeping through refresh cycles.
 */
export interface Timers {
  set(callback: () => void, delayMs: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

// setTimeout fires at once for delays beyond 2^31−1 ms; longer waits are chained.
const MAX_DELAY_MS = 2 ** 31 - 1;

interface SystemHandle {
  timeout: NodeJS.Timeout | undefined;
}

export const systemTimers: Timers = {
  set(callback, delayMs) {
    const handle: SystemHandle = { timeout: undefined };
    const schedule = (remaining: number): void => {
      const step = Math.min(Math.max(0, remaining), MAX_DELAY_MS);
      handle.timeout = setTimeout(() => (remaining > MAX_DELAY_MS ? schedule(remaining - MAX_DELAY_MS) : callback()), step);
    };
    schedule(delayMs);
    return handle;
  },
  clear(handle) {
    clearTimeout((handle as SystemHandle).timeout);
  },
};

interface ManualEntry {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * Timers driven by a `ManualClock`: `advance(ms)` moves the clock forward and runs every
 * callback that falls due, in time order, each at its own instant.
 */
export class ManualTimers implements Timers {
  readonly clock: ManualClock;
  #entries = new Set<ManualEntry>();
  #seq = 0;

  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  set(callback: () => void, delayMs: number): TimerHandle {
    const entry: ManualEntry = { at: this.clock.now() + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#entries.add(entry);
    return entry;
  }

  clear(handle: TimerHandle): void {
    this.#entries.delete(handle as ManualEntry);
  }

  /** Number of callbacks waiting. */
  get pending(): number {
    return this.#entries.size;
  }

  /** When the next callback falls due, or undefined. */
  nextAt(): number | undefined {
    return this.#next()?.at;
  }

  /**
   * Moves time forward by `ms`, running due callbacks in order; between callbacks pending
   * promise jobs get a turn, so that work a callback starts can schedule its follow-up.
   */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.at > target) break;
      this.#entries.delete(next);
      if (next.at > this.clock.now()) this.clock.set(next.at);
      next.callback();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (target > this.clock.now()) this.clock.set(target);
  }

  #next(): ManualEntry | undefined {
    let best: ManualEntry | undefined;
    for (const entry of this.#entries) {
      if (best === undefined || entry.at < best.at || (entry.at === best.at && entry.seq < best.seq)) best = entry;
    }
    return best;
  }
}
