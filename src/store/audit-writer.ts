import { RoleportError, type AuditEvent, type EventSink, type Logger } from '../core/index.ts';
import type { AuditEventRepository, CompanionTable, CompanionWrite } from './repositories/audit-events.ts';

export interface AuditWriterOptions {
  repository: Pick<AuditEventRepository, 'insertMany' | 'probeWrite'>;
  logger: Logger;
  /** Most rows one write carries. */
  maxBatch?: number;
  /** Queued (`record`) events wait at most this long for a write. */
  flushIntervalMs?: number;
  /** Queued events kept while the database refuses writes; beyond it, new ones are set aside. */
  maxQueue?: number;
  /** First and longest pause between retries while the database refuses writes. */
  retryMs?: { first: number; max: number };
  /** Called once for every event set aside (the dead-letter metric). */
  onDeadLetter?: (reason: DeadLetterReason) => void;
  /**
   * Whether `commit` waits for the row (default true). Only the benchmark turns it off, to
   * measure what durability costs against the queued behaviour in the same run; there is no
   * configuration option for it.
   */
  durable?: boolean;
}

/** Why an event was set aside instead of written. */
export type DeadLetterReason = 'refused' | 'queue_full' | 'shutdown';

export interface AuditWriterStatus {
  /** False from a write the database refused as a whole until a write or probe succeeds. */
  writable: boolean;
  /** Events waiting for a write. */
  pending: number;
  /** Events set aside since start. */
  deadLettered: number;
}

/** A row of another table that commits with an audit event, or neither does. */
export interface CompanionRow<Row> {
  readonly table: CompanionTable<Row>;
  readonly row: Row;
}

export interface AuditWriter extends EventSink {
  /**
   * Commits `event` and `companion.row` in one transaction, with the same group commit as
   * `commit` (always durable: the row is what the caller hands out). Resolves true once both
   * are committed, false when the companion's key was already taken — then neither is written.
   */
  commitWith<Row>(event: AuditEvent, companion: CompanionRow<Row>): Promise<boolean>;
  /** Writes everything queued now; resolves when done or when the database refused (the events then stay queued). */
  flush(): Promise<void>;
  /** Writes what it can and sets the rest aside (logged); no timer is left behind. */
  close(): Promise<void>;
  /** A real write of a probe row, rolled back: whether the audit table takes rows right now. `/readyz` asks. */
  checkWritable(): Promise<boolean>;
  status(): AuditWriterStatus;
}

interface Entry {
  event: AuditEvent;
  /** Set for `commitWith`: written first, on the same transaction. */
  companion?: CompanionRow<unknown>;
  /** Set for `commit` and `commitWith`: the caller waits for this row (false: its companion was declined, nothing written). */
  settle?: { resolve: (written: boolean) => void; reject: (error: unknown) => void };
}

/**
 * The companion rows of a batch, table by table, as one write on the audit rows' transaction;
 * undefined when the batch has none. Resolves to the positions of the entries declined.
 */
function companionWriteOf(batch: readonly Entry[]): CompanionWrite | undefined {
  const positionsByTable = new Map<CompanionTable<unknown>, number[]>();
  batch.forEach((entry, position) => {
    if (entry.companion === undefined) return;
    const positions = positionsByTable.get(entry.companion.table);
    if (positions === undefined) positionsByTable.set(entry.companion.table, [position]);
    else positions.push(position);
  });
  if (positionsByTable.size === 0) return undefined;
  return async (trx) => {
    const declined = new Set<number>();
    for (const [table, positions] of positionsByTable) {
      const inserted = await table.insertMany(
        positions.map((position) => batch[position]!.companion!.row),
        trx,
      );
      positions.forEach((position, index) => {
        if (!inserted.has(index)) declined.add(position);
      });
    }
    return declined;
  };
}

/**
 * The audit log's writer: an `EventSink` whose rows are written in batches.
 *
 * **Durable events** (`commit`) resolve only once their row is committed: this is group
 * commit — every event committed in the same turn of the event loop, or while the previous
 * write was running, goes into one multi-row INSERT, then each waiting request is answered.
 * A token or credential leaves the broker only after its row is in the database.
 * **Companion rows** (`commitWith`) are rows of another table written on the same
 * transaction, before the audit rows: the local STS's credentials, which then cost no
 * separate commit and exist only with their `sts.role_assumed` row.
 * **Queued events** (`record`) guard nothing leaving; they ride along with the next write,
 * at most `flushIntervalMs` later.
 *
 * **A bad row never stalls the log.** A batch the database refuses is written again row by
 * row. A row that still fails while a probe row (written and rolled back) succeeds is the
 * row's fault: it is set aside — logged in full at error level and counted by the
 * dead-letter metric — and the rows after it are written. If the probe fails too, the
 * database is at fault (down, read-only, INSERT revoked): queued events stay queued and are
 * retried with backoff, durable events are refused (their tokens are not sent), and
 * `status().writable` is false until a write or probe succeeds again.
 */
export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const maxBatch = options.maxBatch ?? 500;
  const interval = options.flushIntervalMs ?? 250;
  const maxQueue = options.maxQueue ?? 100_000;
  const retry = options.retryMs ?? { first: 250, max: 5000 };
  const durable = options.durable ?? true;
  const { logger, repository } = options;

  let queue: Entry[] = [];
  let writable = true;
  let deadLettered = 0;
  let retryDelay = retry.first;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const setAside = (entry: Entry, reason: DeadLetterReason, error?: unknown): void => {
    deadLettered++;
    options.onDeadLetter?.(reason);
    logger.error({ err: error, reason, auditEvent: entry.event }, 'audit event set aside: it could not be written to the audit log');
  };

  const markWritable = (): void => {
    if (!writable) logger.warn({ pending: queue.length }, 'audit writes succeed again');
    writable = true;
    retryDelay = retry.first;
  };

  /** The database refused even a probe row: keep what can wait, refuse what cannot, retry later. */
  const markFailing = (failed: Entry[], error: unknown): void => {
    if (writable) logger.error({ err: error, pending: queue.length + failed.length }, 'audit writes fail: the database refuses rows; tokens are not issued until it takes them again');
    writable = false;
    const kept: Entry[] = [];
    for (const entry of failed) {
      if (entry.settle === undefined) kept.push(entry);
      else entry.settle.reject(new RoleportError('ERR_STORE_UNAVAILABLE', 'the audit log cannot be written; nothing was issued', { cause: error }));
    }
    queue = kept.concat(queue);
    // Durable callers waiting further back are refused now rather than after the backoff.
    const waiting = queue.filter((entry) => entry.settle !== undefined);
    if (waiting.length > 0) {
      queue = queue.filter((entry) => entry.settle === undefined);
      for (const entry of waiting) entry.settle!.reject(new RoleportError('ERR_STORE_UNAVAILABLE', 'the audit log cannot be written; nothing was issued', { cause: error }));
    }
    scheduleRetry();
  };

  const probe = async (): Promise<unknown> => {
    try {
      await repository.probeWrite();
      return undefined;
    } catch (error) {
      return error ?? new Error('probe failed');
    }
  };

  /** Writes one batch; false when the database refused and the writer now waits to retry. */
  const writeBatch = async (batch: Entry[]): Promise<boolean> => {
    try {
      const declined = await repository.insertMany(
        batch.map((entry) => entry.event),
        companionWriteOf(batch),
      );
      batch.forEach((entry, position) => entry.settle?.resolve(!declined.has(position)));
      markWritable();
      return true;
    } catch {
      // Some row, or the database: find out row by row.
    }
    for (let index = 0; index < batch.length; index++) {
      const entry = batch[index]!;
      try {
        const declined = await repository.insertMany([entry.event], companionWriteOf([entry]));
        entry.settle?.resolve(!declined.has(0));
        continue;
      } catch (rowError) {
        const databaseError = await probe();
        if (databaseError !== undefined) {
          markFailing(batch.slice(index), databaseError);
          return false;
        }
        setAside(entry, 'refused', rowError);
        entry.settle?.reject(new RoleportError('ERR_INTERNAL', 'the audit log refused this event; nothing was issued', { cause: rowError }));
      }
    }
    markWritable();
    return true;
  };

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      if (!(await writeBatch(batch))) return;
    }
  };

  const run = (): Promise<void> => {
    if (running === undefined) {
      running = drain().finally(() => {
        running = undefined;
      });
    }
    return running;
  };

  const flush = async (): Promise<void> => {
    // A write already running took only what was queued when it started: run once more after it.
    if (running !== undefined) await running;
    await run();
  };

  const clearTimers = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
  };

  /** Queued events: written at the latest `interval` from now. */
  const scheduleSoon = (): void => {
    if (timer !== undefined || !writable || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, interval);
    timer.unref();
  };

  /** Durable events: one turn of the event loop lets concurrent requests join the batch. */
  const scheduleNow = (): void => {
    if (immediate !== undefined) return;
    immediate = setImmediate(() => {
      immediate = undefined;
      void flush();
    });
  };

  const scheduleRetry = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void recover();
    }, retryDelay);
    timer.unref();
    retryDelay = Math.min(retryDelay * 2, retry.max);
  };

  /** While writes fail: retry what is queued, or probe when nothing is. */
  const recover = async (): Promise<void> => {
    if (queue.length > 0) {
      await flush();
      return;
    }
    const error = await probe();
    if (error === undefined) markWritable();
    else scheduleRetry();
  };

  const record = (event: AuditEvent): void => {
    if (closed || queue.length >= maxQueue) {
      setAside({ event }, closed ? 'shutdown' : 'queue_full');
      return;
    }
    queue.push({ event });
    if (queue.length >= maxBatch && writable) scheduleNow();
    else scheduleSoon();
  };

  return {
    record,
    commit(event) {
      if (!durable) {
        record(event);
        return Promise.resolve();
      }
      if (closed) return Promise.reject(new RoleportError('ERR_STORE_UNAVAILABLE', 'the broker is stopping; nothing was issued'));
      return new Promise<void>((resolve, reject) => {
        queue.push({ event, settle: { resolve: () => resolve(), reject } });
        scheduleNow();
      });
    },
    commitWith(event, companion) {
      if (closed) return Promise.reject(new RoleportError('ERR_STORE_UNAVAILABLE', 'the broker is stopping; nothing was issued'));
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ event, companion, settle: { resolve, reject } });
        scheduleNow();
      });
    },
    flush,
    async checkWritable() {
      const error = await probe();
      if (error !== undefined) {
        if (writable) markFailing([], error);
        return false;
      }
      if (!writable) {
        markWritable();
        void flush();
      }
      return true;
    },
    status: () => ({ writable, pending: queue.length, deadLettered }),
    async close() {
      closed = true;
      clearTimers();
      await flush();
      clearTimers();
      for (const entry of queue) {
        setAside(entry, 'shutdown');
        entry.settle?.reject(new RoleportError('ERR_STORE_UNAVAILABLE', 'the broker stopped before the audit log could be written'));
      }
      queue = [];
    },
  };
}
