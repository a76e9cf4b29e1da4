import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { DialectName } from './dialect-name.ts';
import type { Database } from './schema.ts';

/** A change that may decide whether a session credential still gets a token. */
export interface AccessChange {
  readonly sessionId?: string | undefined;
  readonly userName?: string | undefined;
}

export type AccessChangeListener = (change: AccessChange) => void;

/**
 * The log of changes that decide a token exchange, and its reader: how every broker process
 * — replicas on one PostgreSQL, or a broker and the CLI on one SQLite file — learns, within a
 * bound, that a session was ended, revoked or given other roles, or that a user's roles,
 * claims or existence changed, so that what it caches about sessions and users is dropped.
 *
 * **Writers** call `record` as the last statement of the transaction that makes the change:
 * the row commits with it or not at all. Once that transaction has committed they call
 * `announce`, and listeners in this process hear of it at once — not before the commit, or a
 * read on another connection could load the old row after the listeners dropped it and keep
 * it. **Readers** poll (`start`) for rows past the last sequence number seen and hand them to
 * the listeners. A reader that misses a row would keep a revoked session usable, so on
 * PostgreSQL a writer first takes the table in EXCLUSIVE mode (reads are not blocked):
 * writers commit in the order of their sequence numbers, and no row appears behind one a
 * reader has already passed. SQLite has a single writer anyway.
 *
 * `caughtUpSince(t)` resolves once a poll that began at or after `t` (`performance.now()`
 * time) has handed its rows to the listeners: every change committed before `t` has then
 * reached them. Concurrent callers share one poll, so under load a query serves a whole batch
 * of requests (see sessions/credential-cache.ts).
 */
export interface AccessChanges {
  /**
   * Writes the change's row on `trx`; a user is named by id (resolved to the name the cache
   * keys on; undefined when the row is gone) or by name. Returns what to `announce` after commit.
   */
  record(trx: Kysely<Database>, change: { sessionId: string } | { userId: string } | { userName: string }): Promise<AccessChange | undefined>;
  /** Tells this process's listeners, once the transaction that recorded `change` has committed. */
  announce(change: AccessChange): void;
  subscribe(listener: AccessChangeListener): () => void;
  /** Resolves once a poll begun at or after `since` has reached the listeners; throws when the database does. */
  caughtUpSince(since: number): Promise<void>;
  /** Reads new rows now (or joins the poll under way); resolves once the listeners have them. Throws when the database does. */
  poll(): Promise<void>;
  /** Polls every `intervalMs` (and purges rows older than an hour now and then) until `stop`: idle brokers keep up too. */
  start(intervalMs: number): void;
  stop(): void;
}

interface LogRow {
  seq: number | string;
  session_id: string | null;
  user_name: string | null;
}

/** Rows older than this are deleted: every reader polls far more often. */
const KEEP_MS = 3600_000;
const PURGE_EVERY_MS = 600_000;
const PAGE = 1000;

export function createAccessChanges(db: Kysely<Database>, dialect: DialectName): AccessChanges {
  const listeners = new Set<AccessChangeListener>();
  let lastSeq: number | undefined;
  let checkedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let polling: Promise<void> | undefined;
  let scheduled: Promise<void> | undefined;
  let pollingSince = 0;
  let lastPurge = 0;
  let dataVersion: number | undefined;
  // Compiled once: the poll runs for every batch of token exchanges.
  const newRows = db.selectFrom('access_changes').select(['seq', 'session_id', 'user_name']).where('seq', '>', 0).orderBy('seq').limit(PAGE).compile();
  const dataVersionQuery = CompiledQuery.raw('pragma data_version');

  /**
   * SQLite only: whether no other connection — another process on the file — has committed
   * anything since the last look (`PRAGMA data_version`, a counter read without touching a
   * table). This process's own changes reach its listeners through `announce`.
   * @see https://www.sqlite.org/pragma.html#pragma_data_version
   */
  const unchangedElsewhere = async (): Promise<boolean> => {
    if (dialect !== 'sqlite') return false;
    const result = await db.executeQuery<{ data_version: number }>(dataVersionQuery);
    const version = Number(result.rows[0]?.data_version);
    const unchanged = version === dataVersion;
    dataVersion = version;
    return unchanged;
  };

  const emit = (change: AccessChange): void => {
    for (const listener of listeners) listener(change);
  };

  const write = async (trx: Kysely<Database>, insert: (now: number) => Promise<unknown>): Promise<void> => {
    if (dialect === 'postgres') await sql`lock table access_changes in exclusive mode`.execute(trx);
    await insert(Date.now());
  };

  const readNew = async (): Promise<void> => {
    const startedAt = performance.now();
    // Read before the log, so that a commit after it is seen by the next poll.
    const unchanged = await unchangedElsewhere();
    if (lastSeq === undefined) {
      const row = await db.selectFrom('access_changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
      lastSeq = Number(row?.seq ?? 0);
    } else if (unchanged) {
      checkedAt = startedAt;
      return;
    }
    for (;;) {
      const result = await db.executeQuery<LogRow>(CompiledQuery.raw(newRows.sql, [lastSeq, PAGE]));
      const rows: LogRow[] = result.rows;
      for (const row of rows) {
        lastSeq = Number(row.seq);
        emit({ sessionId: row.session_id ?? undefined, userName: row.user_name ?? undefined });
      }
      if (rows.length < PAGE) break;
    }
    checkedAt = startedAt;
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      await db.deleteFrom('access_changes').where('changed_at', '<', lastPurge - KEEP_MS).execute();
    }
  };

  const poll = (): Promise<void> => {
    if (polling === undefined) {
      pollingSince = performance.now();
      polling = readNew().finally(() => {
        polling = undefined;
      });
    }
    return polling;
  };

  const caughtUpSince = async (since: number): Promise<void> => {
    if (checkedAt !== undefined && checkedAt >= since) return;
    if (polling !== undefined && pollingSince >= since) return polling;
    return pollNextTurn();
  };

  /**
   * A poll that begins once this turn of the event loop is over, so that every request read in
   * this turn — all of which arrived before it begins — shares it: one query for a batch of
   * token exchanges instead of one each. A poll under way began too early to be sure of: it
   * finishes first.
   */
  const pollNextTurn = (): Promise<void> => {
    scheduled ??= (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (polling !== undefined) await polling.catch(() => {});
      scheduled = undefined;
      return poll();
    })();
    return scheduled;
  };

  return {
    async record(trx, change) {
      let written: AccessChange;
      if ('sessionId' in change) written = { sessionId: change.sessionId };
      else if ('userName' in change) written = { userName: change.userName };
      else {
        const row = await trx.selectFrom('users').select('username').where('id', '=', change.userId).executeTakeFirst();
        if (row === undefined) return undefined;
        written = { userName: row.username };
      }
      await write(trx, (now) => trx.insertInto('access_changes').values({ session_id: written.sessionId ?? null, user_name: written.userName ?? null, changed_at: now }).execute());
      return written;
    },
    announce: emit,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    caughtUpSince,
    poll,
    start(intervalMs) {
      if (running) return;
      running = true;
      const tick = (): void => {
        if (!running) return;
        timer = setTimeout(() => {
          // A failed poll leaves checkedAt where it was: cached entries age out of trust.
          poll().then(tick, tick);
        }, intervalMs);
        timer.unref();
      };
      poll().then(tick, tick);
    },
    stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
