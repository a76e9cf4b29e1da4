import autocannon from 'autocannon';
import { DISCOVERY_PATH, JWKS_PATH } from '../src/issuer/index.ts';
import { median } from './mint.ts';
import type { BenchData } from './setup.ts';
import { startListeningWorker } from './listening-worker.ts';
import type { ServerWorkerData } from './server-worker.ts';

export interface HttpRatePair {
  path: string;
  /** Requests per second served by the broker (Fastify, metrics, caching headers). */
  broker: number;
  /** Requests per second of a bare node:http server returning the same bytes and headers. */
  bare: number;
  ratio: number;
  p99BrokerMs: number;
  p99BareMs: number;
}

export interface HttpBenchOptions {
  connections: number;
  durationSeconds: number;
  /** Alternating bare/broker rounds per path; the ratio is the median of the rounds' ratios. */
  rounds: number;
}

/** Headers the broker sends that belong to the document (not per-connection ones like date). */
const DOCUMENT_HEADERS = ['content-type', 'cache-control', 'etag', 'access-control-allow-origin'];

/**
 * Discovery and JWKS under load: autocannon on the main thread against the broker and against
 * a bare node:http server, each on a worker thread, with the same connections and duration.
 * The two alternate (and swap order every round) so load from elsewhere on the machine hits
 * both alike; the median of the per-round ratios is reported.
 */
export async function benchIssuerHttp(data: BenchData, options: HttpBenchOptions): Promise<HttpRatePair[]> {
  const broker = await startServer({ kind: 'broker', data });
  let bare: RunningServer | undefined;
  try {
    const responses: Record<string, { body: string; headers: Record<string, string> }> = {};
    for (const path of [DISCOVERY_PATH, JWKS_PATH]) {
      const response = await fetch(`${broker.url}${path}`);
      const headers = Object.fromEntries(DOCUMENT_HEADERS.map((name) => [name, response.headers.get(name) ?? '']));
      responses[path] = { body: await response.text(), headers };
    }
    bare = await startServer({ kind: 'bare', responses });
    const results: HttpRatePair[] = [];
    for (const path of [DISCOVERY_PATH, JWKS_PATH]) {
      await load(`${bare.url}${path}`, { ...options, durationSeconds: 1 }); // warm-up both
      await load(`${broker.url}${path}`, { ...options, durationSeconds: 1 });
      const rounds: Array<{ bare: { rate: number; p99: number }; broker: { rate: number; p99: number } }> = [];
      for (let round = 0; round < options.rounds; round++) {
        if (round % 2 === 0) {
          const bareRun = await load(`${bare.url}${path}`, options);
          rounds.push({ bare: bareRun, broker: await load(`${broker.url}${path}`, options) });
        } else {
          const brokerRun = await load(`${broker.url}${path}`, options);
          rounds.push({ broker: brokerRun, bare: await load(`${bare.url}${path}`, options) });
        }
      }
      const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
      results.push({
        path,
        broker: mean(rounds.map((r) => r.broker.rate)),
        bare: mean(rounds.map((r) => r.bare.rate)),
        ratio: median(rounds.map((r) => r.broker.rate / r.bare.rate)),
        p99BrokerMs: Math.max(...rounds.map((r) => r.broker.p99)),
        p99BareMs: Math.max(...rounds.map((r) => r.bare.p99)),
      });
    }
    return results;
  } finally {
    await bare?.stop();
    await broker.stop();
  }
}

async function load(url: string, options: HttpBenchOptions): Promise<{ rate: number; p99: number }> {
  const result = await autocannon({ url, connections: options.connections, duration: options.durationSeconds });
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx responses under load`);
  return { rate: result.requests.total / result.duration, p99: result.latency.p99 };
}

interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

async function startServer(workerData: ServerWorkerData): Promise<RunningServer> {
  const worker = await startListeningWorker<{ type: 'listening'; url: string }>(new URL('./server-worker.ts', import.meta.url), workerData);
  return { url: worker.ready.url, stop: worker.stop };
}
