import type { AuditEvent, EventSink, Logger } from '../core/index.ts';
import type { AuditEventRepository } from './repositories/audit-events.ts';

export interface BatchedAuditWriterOptions {
  repository: AuditEventRepository;
  logger: Logger;
  /** Flush when this many events are waiting. */
  maxBatch?: number;
  /** Flush at least this often while events wait. */
  flushIntervalMs?: number;
}

/**
 * An `EventSink` that queues events in memory and writes them in batches, so that minting a
 * token never waits for a database round trip. `flush()` drains the queue (called on
 * shutdown and by tests); a failed write is retried with the next batch, never dropped
 * silently.
 */
export function createBatchedAuditWriter(options: BatchedAuditWriterOptions): EventSink & { flush(): Promise<void>; close(): Promise<void> } {
  const maxBatch = options.maxBatch ?? 500;
  const interval = options.flushIntervalMs ?? 250;
  let queue: AuditEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const schedule = (): void => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, interval);
    timer.unref();
  };

  const flush = (): Promise<void> => {
    writing = writing.then(async () => {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        try {
          await options.repository.insertMany(batch);
        } catch (error) {
          queue = batch.concat(queue);
          options.logger.error({ err: error, pending: queue.length }, 'audit write failed; will retry');
          schedule();
          return;
        }
      }
    });
    return writing;
  };

  return {
    record(event) {
      queue.push(event);
      if (queue.length >= maxBatch) void flush();
      else schedule();
    },
    flush,
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await flush();
    },
  };
}
