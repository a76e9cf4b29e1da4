import type { AwsCredentials } from './types.ts';

/** Credentials are handed out again until this long before they expire (botocore's advisory refresh window). */
export const CACHE_MARGIN_MS = 15 * 60 * 1000;
const MAX_ENTRIES = 5000;

export interface CredentialsCache {
  /** Cached credentials with more than the margin left, or undefined. */
  get(key: string, now: number): AwsCredentials | undefined;
  /** Keeps credentials that will outlive the margin; shorter ones are not worth keeping. */
  set(key: string, credentials: AwsCredentials, now: number): void;
  /** Forgets every entry whose key starts with `prefix` (an integration that changed). */
  invalidate(prefix: string): void;
  readonly size: number;
}

/**
 * An in-memory cache of issued credentials, per broker process: a replica that misses simply
 * calls STS. Bounded: when full, expired entries go first, then the oldest.
 */
export function createCredentialsCache(marginMs = CACHE_MARGIN_MS, maxEntries = MAX_ENTRIES): CredentialsCache {
  const entries = new Map<string, AwsCredentials>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiration - marginMs <= now) {
        entries.delete(key);
        return undefined;
      }
      return entry;
    },
    set(key, credentials, now) {
      if (credentials.expiration - marginMs <= now) return;
      if (entries.size >= maxEntries) {
        for (const [k, v] of entries) if (v.expiration - marginMs <= now) entries.delete(k);
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      }
      entries.delete(key);
      entries.set(key, credentials);
    },
    invalidate(prefix) {
      for (const key of [...entries.keys()]) if (key.startsWith(prefix)) entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
