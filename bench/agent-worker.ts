import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAgent } from '../src/agent/index.ts';
import { createBrokerClient } from '../src/client/index.ts';

/**
 * The agent under measurement, in a process of its own so that its memory is its own: it
 * takes N session credentials, serves them all from one `createAgent`, and reports refresh
 * lateness (when each new token was on disk, minus when it was due) and RSS. Started by
 * bench/agent.ts over IPC; not meant to be run by hand.
 */
export interface AgentWorkerInput {
  brokerUrl: string;
  credentialsFile: string;
  dir: string;
  /** Seconds to measure after the last session was added. */
  measureSeconds: number;
  /** Sessions added at once while ramping up. */
  concurrency: number;
  pollIntervalMs: number;
}

export interface AgentWorkerReport {
  sessions: number;
  rampSeconds: number;
  measureSeconds: number;
  /** ms; scheduled refreshes only (first tokens are not late or early). */
  lateness: number[];
  refreshes: number;
  failures: number;
  failureSample: string | null;
  rssBaseline: number;
  rssAfterRamp: number;
  /** Peak RSS sampled while measuring. */
  rssEnd: number;
  /** RSS after a full GC at the end of the measurement, with every session still served. */
  rssSteady: number;
  heapUsedEnd: number;
  /** Event-loop delay while measuring, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

const send = (message: unknown): void => void process.send!(message);

process.once('message', (input: AgentWorkerInput) => {
  void run(input).then(
    (report) => send({ type: 'report', report }),
    (error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
send({ type: 'ready' });

async function run(input: AgentWorkerInput): Promise<AgentWorkerReport> {
  const credentials = readFileSync(input.credentialsFile, 'utf8').trim().split('\n');
  globalThis.gc?.();
  const rssBaseline = process.memoryUsage().rss;
  const lateness: number[] = [];
  let refreshes = 0;
  let failures = 0;
  let failureSample: string | null = null;
  let measuring = false;
  const agent = createAgent({
    client: createBrokerClient({ baseUrl: input.brokerUrl, timeoutMs: 30_000 }),
    pollIntervalMs: input.pollIntervalMs,
    writeSessionCredential: true,
    onEvent: (event) => {
      if (event.type !== 'token') return;
      if (event.event.type === 'refreshed') {
        refreshes += 1;
        // The first token of a session is fetched at once; only later ones had a due time.
        if (measuring && event.status.refreshes > 1) lateness.push(event.event.completedAt - event.event.plannedAt);
      } else if (event.event.type === 'failed') {
        failures += 1;
        failureSample ??= event.event.error instanceof Error ? event.event.error.message : String(event.event.error);
      }
    },
  });
  const rampStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      for (;;) {
        const index = next++;
        if (index >= credentials.length) return;
        await agent.addSession({ credential: credentials[index]!, dir: join(input.dir, `s${index}`) });
      }
    }),
  );
  const rampSeconds = (performance.now() - rampStarted) / 1000;
  globalThis.gc?.();
  const rssAfterRamp = process.memoryUsage().rss;
  measuring = true;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let rssEnd = rssAfterRamp;
  const sampler = setInterval(() => (rssEnd = Math.max(rssEnd, process.memoryUsage().rss)), 1000);
  await new Promise((resolve) => setTimeout(resolve, input.measureSeconds * 1000));
  clearInterval(sampler);
  loopDelay.disable();
  globalThis.gc?.();
  const { rss: rssSteady, heapUsed: heapUsedEnd } = process.memoryUsage();
  await agent.close();
  return { sessions: credentials.length, rampSeconds, measureSeconds: input.measureSeconds, lateness, refreshes, failures, failureSample, rssBaseline, rssAfterRamp, rssEnd, rssSteady, heapUsedEnd, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 };
}
