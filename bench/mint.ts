import { sign } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { MintOptions } from '../src/issuer/index.ts';
import { createServices, type Services } from '../src/services.ts';
import { benchConfig, runFor, type BenchData } from './setup.ts';
import type { MintWorkerData, MintWorkerRound } from './mint-worker.ts';

/** A token like the sessions will mint: a user subject, the STS audience, a few identity claims. */
export const MINT_OPTIONS: MintOptions = {
  subject: 'user:alice',
  audience: 'sts.amazonaws.com',
  claims: { preferred_username: 'alice', email: 'alice@example.com', groups: ['data-science', 'analysts'], session_id: 'ws-3f2a9c' },
  actor: 'bench',
  userName: 'alice',
  sessionId: 'ws-3f2a9c',
};

export interface RatePair {
  /** Tokens per second through the minting core (mean of the rounds). */
  mint: number;
  /** RS256 signatures per second with node:crypto on the same key and signing input (mean of the rounds). */
  raw: number;
  /** Median of the per-round mint/raw ratios. */
  ratio: number;
}

export interface InProcessResult extends RatePair {
  payloadBytes: number;
  /** Audit rows written during the mint rounds; equals `minted` when the audit log kept up. */
  audited: number;
  minted: number;
}

/**
 * One thread: `createMinter` through the real services (key manager over SQLite, batched
 * audit writer, metrics) against bare `crypto.sign` of a signing input of the same size on
 * the same key, in alternating rounds so that load from elsewhere hits both alike.
 */
export async function benchMintInProcess(data: BenchData, rounds: number, roundMs: number): Promise<InProcessResult> {
  const services = await createServices(benchConfig(data), { background: false });
  try {
    const key = services.keys.signingKey();
    const sample = await services.mintToken(MINT_OPTIONS);
    const signingInput = Buffer.from(sample.token.slice(0, sample.token.lastIndexOf('.')));
    const raw = async () => rate(await runFor(roundMs, () => void sign('sha256', signingInput, key.privateKey)));
    const mint = async () => {
      const started = performance.now();
      const result = await runFor(roundMs, () => void services.mintToken(MINT_OPTIONS));
      await services.audit.flush(); // the audit writes are part of minting's cost
      minted += result.operations;
      return result.operations / ((performance.now() - started) / 1000);
    };
    let minted = 0;
    await runFor(300, () => void sign('sha256', signingInput, key.privateKey)); // warm-up
    await mint();
    const before = await countMinted(services);
    minted = 0;
    const pairs = await alternate(rounds, raw, mint);
    const audited = (await countMinted(services)) - before;
    return { ...summarize(pairs), payloadBytes: signingInput.length, audited, minted };
  } finally {
    await services.close();
  }
}

/**
 * Every core busy: `threads` worker threads, each with its own services on the shared SQLite
 * file (as replicas would be), all minting at once, against the same threads all signing raw.
 */
export async function benchMintAllCores(data: BenchData, threads: number, rounds: number, roundMs: number): Promise<RatePair & { threads: number }> {
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./mint-worker.ts', import.meta.url), { workerData: { data } satisfies MintWorkerData }));
  try {
    await Promise.all(workers.map((worker) => nextMessage(worker, 'ready')));
    const together = async (mode: MintWorkerRound['mode']): Promise<number> => {
      const results = workers.map((worker) => nextMessage(worker, 'result'));
      for (const worker of workers) worker.postMessage({ mode, durationMs: roundMs } satisfies MintWorkerRound);
      return (await Promise.all(results)).reduce((sum, r) => sum + (r['operations'] as number) / (r['seconds'] as number), 0);
    };
    await together('mint'); // warm-up
    return { ...summarize(await alternate(rounds, () => together('raw'), () => together('mint'))), threads };
  } finally {
    await Promise.all(
      workers.map(async (worker) => {
        const closed = nextMessage(worker, 'closed');
        worker.postMessage('close');
        await closed;
        await worker.terminate();
      }),
    );
  }
}

/** Runs raw and mint rounds, swapping their order every round. */
async function alternate(rounds: number, raw: () => Promise<number>, mint: () => Promise<number>): Promise<Array<{ raw: number; mint: number }>> {
  const pairs: Array<{ raw: number; mint: number }> = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      const r = await raw();
      pairs.push({ raw: r, mint: await mint() });
    } else {
      const m = await mint();
      pairs.push({ mint: m, raw: await raw() });
    }
  }
  return pairs;
}

function summarize(pairs: Array<{ raw: number; mint: number }>): RatePair {
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return { mint: mean(pairs.map((p) => p.mint)), raw: mean(pairs.map((p) => p.raw)), ratio: median(pairs.map((p) => p.mint / p.raw)) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function rate(result: { operations: number; seconds: number }): number {
  return result.operations / result.seconds;
}

function nextMessage(worker: Worker, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (value: Record<string, unknown>): void => {
      if (value['type'] !== type) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(value);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

async function countMinted(services: Services): Promise<number> {
  const row = await services.store.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('type', '=', 'token.minted')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
