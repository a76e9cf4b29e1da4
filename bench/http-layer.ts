/**
 * What the HTTP layer under the fast paths costs, and what a cheaper one could save
 * (`npm run bench:http`): the same fixed token response answered over `node:http` and over a
 * bare `node:net` socket (bench/bare-server.ts), each pinned to CPU 1 with the load generator on
 * CPU 0, in alternating rounds under the token bench's autocannon settings. It prints each
 * side's CPU per request — steadier than requests per second on a shared machine — and the
 * difference, the most a hand-written HTTP layer could take off every token and STS answer.
 */
import autocannon from 'autocannon';
import { availableParallelism } from 'node:os';
import { loadAverage } from './machine.ts';
import { median } from './mint.ts';
import { pinThisProcess, startBenchProcess, type BenchProcess } from './processes.ts';
import type { BareServerInput } from './bare-server.ts';
import { CREDENTIAL_TYPE, EXCHANGE } from './sessions.ts';

export interface LayerRate {
  perSecond: number;
  cpuMicrosPerRequest: number;
}

export interface HttpLayerResult {
  load: string;
  http: LayerRate;
  net: LayerRate;
}

export async function runHttpLayerBench(options: { rounds?: number; durationSeconds?: number; connections?: number } = {}): Promise<HttpLayerResult> {
  const pinned = availableParallelism() >= 2;
  const load = loadAverage();
  const unpin = pinned ? pinThisProcess('0') : () => {};
  const servers: Array<BenchProcess<{ type: 'listening'; url: string }>> = [];
  try {
    for (const layer of ['http', 'net'] as const) {
      servers.push(await startBenchProcess(new URL('./bare-server.ts', import.meta.url), { cpus: pinned ? '1' : undefined, input: { layer } satisfies BareServerInput }));
    }
    // A token exchange form of the size agents send.
    const body = new URLSearchParams({ grant_type: EXCHANGE, subject_token: `rps_ses_${'a'.repeat(26)}.${'b'.repeat(43)}`, subject_token_type: CREDENTIAL_TYPE }).toString();
    const measure = async (server: (typeof servers)[number], seconds: number): Promise<LayerRate> => {
      const cpu = async (): Promise<number> => (await server.ask<{ type: 'cpu'; micros: number }>('cpu', 'cpu')).micros;
      const before = await cpu();
      const result = await autocannon({ url: `${server.ready.url}/oauth/token`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, connections: options.connections ?? 32, duration: seconds });
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`${server.ready.url}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
      return { perSecond: result.requests.total / result.duration, cpuMicrosPerRequest: ((await cpu()) - before) / result.requests.total };
    };
    for (const server of servers) await measure(server, 1); // warm-up
    const rates: LayerRate[][] = [[], []];
    for (let round = 0; round < (options.rounds ?? 5); round++) {
      for (let i = 0; i < servers.length; i++) {
        const side = (i + round) % servers.length;
        rates[side]!.push(await measure(servers[side]!, options.durationSeconds ?? 4));
      }
    }
    const summary = (list: LayerRate[]): LayerRate => ({ perSecond: median(list.map((r) => r.perSecond)), cpuMicrosPerRequest: median(list.map((r) => r.cpuMicrosPerRequest)) });
    return { load, http: summary(rates[0]!), net: summary(rates[1]!) };
  } finally {
    for (const server of servers) await server.stop();
    unpin();
  }
}

export function formatHttpLayerBench(result: HttpLayerResult): string {
  const line = (name: string, rate: LayerRate): string =>
    `  ${name.padEnd(22)} ${Math.round(rate.perSecond).toLocaleString('en-US')} requests/s, ${rate.cpuMicrosPerRequest.toFixed(1)} µs CPU per request`;
  return [
    `HTTP layer: a fixed token response over node:http and over a bare node:net socket (medians of alternating rounds; load average ${result.load} at start)`,
    line('node:http', result.http),
    line('bare node:net', result.net),
    `  the most a cheaper HTTP layer saves: ${(result.http.cpuMicrosPerRequest - result.net.cpuMicrosPerRequest).toFixed(1)} µs per request`,
  ].join('\n');
}

if (import.meta.main) process.stdout.write(`${formatHttpLayerBench(await runHttpLayerBench())}\n`);
