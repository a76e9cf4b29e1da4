import { sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { createServices } from '../src/services.ts';
import { benchConfig, runFor, type BenchData } from './setup.ts';
import { MINT_OPTIONS } from './mint.ts';

/**
 * One thread of the all-cores scenario: its own broker services (key manager, minter, batched
 * audit writer) on the shared SQLite file, like a replica. It runs a round of raw signing or
 * of minting each time the main thread asks, so raw and mint rounds can alternate.
 */
export interface MintWorkerData {
  data: BenchData;
}

export interface MintWorkerRound {
  mode: 'mint' | 'raw';
  durationMs: number;
}

const { data } = workerData as MintWorkerData;
const port = parentPort!;
const services = await createServices(benchConfig(data), { background: false });
const key = services.keys.signingKey();
const sample = await services.mintToken(MINT_OPTIONS);
const signingInput = Buffer.from(sample.token.slice(0, sample.token.lastIndexOf('.')));
const steps = {
  mint: () => void services.mintToken(MINT_OPTIONS),
  raw: () => void sign('sha256', signingInput, key.privateKey),
};

port.on('message', (message: MintWorkerRound | 'close') => {
  void (async () => {
    if (message === 'close') {
      await services.close();
      port.postMessage({ type: 'closed' });
      return;
    }
    const started = performance.now();
    const result = await runFor(message.durationMs, steps[message.mode]);
    // Writing the audit rows is part of minting's cost: the flush is timed with it.
    if (message.mode === 'mint') await services.audit.flush();
    port.postMessage({ type: 'result', operations: result.operations, seconds: (performance.now() - started) / 1000 });
  })();
});
port.postMessage({ type: 'ready' });
