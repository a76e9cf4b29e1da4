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
