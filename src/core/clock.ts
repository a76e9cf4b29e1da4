/**
 * Time is injected everywhere it decides something (expiry, refresh, rotation) so that
 * tests move it forward instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can set and advance. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  set(ms: number): void {
    this.#now = ms;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/** Seconds {@link isoSeconds} wrote lately, and their text: a busy path formats the same few seconds again and again. */
const recentSeconds = new Map<number, string>();

/**
 * ISO 8601 in whole seconds (`2026-01-01T00:00:00Z`), the form AWS writes times in
 * (`Expiration`, `aws:CurrentTime`); milliseconds are dropped, not rounded.
 */
export function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = recentSeconds.get(second);
  if (text === undefined) {
    text = `${new Date(second * 1000).toISOString().slice(0, -5)}Z`;
    if (recentSeconds.size >= 16) recentSeconds.clear();
    recentSeconds.set(second, text);
  }
  return text;
}
