import { Worker } from 'node:worker_threads';

/** A server running on a worker thread, and what it said once it was listening. */
export interface ListeningWorker<Ready> {
  ready: Ready;
  /** Asks the worker to close its server, waits for it, and ends the thread. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `script` on a worker thread with `workerData` and resolves with its first
 * `{ type: 'listening', … }` message. The protocol every bench worker follows: it posts
 * `listening` when ready, and on any message back it closes and posts `{ type: 'closed' }`.
 */
export async function startListeningWorker<Ready extends { type: 'listening' }>(script: URL, workerData: unknown): Promise<ListeningWorker<Ready>> {
  const worker = new Worker(script, { workerData });
  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: { type: string }) => {
      if (message.type === 'listening') resolve(message as Ready);
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    ready,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => worker.on('message', (message: { type: string }) => message.type === 'closed' && resolve()));
        worker.postMessage('close');
        await closed;
        await worker.terminate();
      })();
      return stopped;
    },
  };
}
