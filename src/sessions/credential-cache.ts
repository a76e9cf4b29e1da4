import type { Session, SessionUser } from './types.ts';

/** A change that may decide a token exchange, as the store's access-change log reports it. */
export interface AccessChange {
  readonly sessionId?: string | undefined;
  readonly userName?: string | undefined;
}

/** The store's access-change log, as this module reads it (store/access-changes.ts). */
export interface AccessChangeSource {
  subscribe(listener: (change: AccessChange) => void): () => void;
  /** Resolves once a check for changes begun at or after `since` (`performance.now()` time) has reached the listeners; throws when it fails. */
  caughtUpSince(since: number): Promise<void>;
}

export interface CredentialCacheOptions {
  changes: AccessChangeSource;
  /** Sessions (and as many users) kept at most; the oldest entries go first. */
  maxEntries?: number | undefined;
  /** Monotonic milliseconds (default `performance.now`). */
  now?: () => number;
}

export interface CredentialCache {
  /** Now, in the time `session` and `user` take as the request's arrival. */
  now(): number;
  /**
   * The active session whose stored credential hash is `credentialHash`, for a request that
   * arrived at `arrivedAt`: from memory, or from `load`, which must verify the hash (only what
   * it returns is kept, and only active sessions).
   */
  session(credentialHash: string, arrivedAt: number, load: () => Promise<Session | undefined>): Promise<Session | undefined>;
  /** The user named `userName`, for a request that arrived at `arrivedAt`: from memory, or from `load`. */
  user(userName: string, arrivedAt: number, load: () => Promise<SessionUser | undefined>): Promise<SessionUser | undefined>;
}

/**
 * What a token exchange reads about its session and user, kept in memory so that an agent's
 * refresh costs no query of its own: keyed by the SHA-256 of the credential presented, so an
 * entry exists only for a credential that matched the stored hash once, and no credential is
 * held in clear.
 *
 * **Revocation takes effect at once.** Every change that could refuse an exchange (session
 * ended, revoked, its roles changed; the user's roles, claims or row changed) is written to
 * the store's access-change log in the transaction that makes it, by whichever process makes
 * it (a replica, the CLI on the same database). Before an entry answers, a read of that log
 * begun after the request arrived must have completed and dropped what changed; concurrent
 * requests share that read (one short indexed query for a whole batch under load, where the
 * uncached exchange made three of its own). So a change committed before a request arrives
 * is seen by it, on every replica. When the log cannot be read the request reads the session
 * and user rows itself. An entry loaded while any change arrived is not kept: its data may
 * predate the change.
 */
export function createCredentialCache(options: CredentialCacheOptions): CredentialCache {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? (() => performance.now());
  const sessions = new Map<string, Session>();
  const hashOfSession = new Map<string, string>();
  const users = new Map<string, SessionUser>();
  let epoch = 0;

  options.changes.subscribe((change) => {
    epoch++;
    if (change.sessionId !== undefined) {
      const hash = hashOfSession.get(change.sessionId);
      if (hash !== undefined) sessions.delete(hash);
      hashOfSession.delete(change.sessionId);
    }
    if (change.userName !== undefined) users.delete(change.userName);
  });

  const remember = <V>(map: Map<string, V>, key: string, value: V, onEvict?: (value: V) => void): void => {
    map.set(key, value);
    if (map.size > maxEntries) {
      const oldest = map.keys().next().value!;
      onEvict?.(map.get(oldest)!);
      map.delete(oldest);
    }
  };

  const lookup = async <V>(map: Map<string, V>, key: string, arrivedAt: number, load: () => Promise<V | undefined>, keep: (value: V) => boolean, onKeep?: (value: V) => void, onEvict?: (value: V) => void): Promise<V | undefined> => {
    let caughtUp = true;
    try {
      await options.changes.caughtUpSince(arrivedAt);
    } catch {
      caughtUp = false;
    }
    if (caughtUp) {
      const hit = map.get(key);
      if (hit !== undefined) return hit;
    }
    const before = epoch;
    const loaded = await load();
    if (loaded !== undefined && keep(loaded) && caughtUp && before === epoch) {
      remember(map, key, loaded, onEvict);
      onKeep?.(loaded);
    }
    return loaded;
  };

  return {
    now,
    session: (credentialHash, arrivedAt, load) =>
      lookup(
        sessions,
        credentialHash,
        arrivedAt,
        load,
        (session) => session.state === 'active',
        (session) => hashOfSession.set(session.id, credentialHash),
        (session) => hashOfSession.delete(session.id),
      ),
    user: (userName, arrivedAt, load) => lookup(users, userName, arrivedAt, load, () => true),
  };
}
