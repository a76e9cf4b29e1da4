import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServices, type Services } from '../src/services.ts';
import { loadAverage } from './machine.ts';
import { startBenchProcess, type BenchProcess } from './processes.ts';
import { benchConfig, createBenchData, type BenchData } from './setup.ts';
import { CREDENTIAL_TYPE, EXCHANGE, ROLE } from './sessions.ts';
import { startPostgres } from '../test/helpers/postgres.ts';

/**
 * A big customer's day (issue 14): 10,000 agents refreshing 60-second tokens — 10,000
 * refreshes a minute, spread evenly — while people sign in interactively, on one broker over
 * SQLite and on two broker processes over one PostgreSQL. The refreshes are real
 * `POST /oauth/token` exchanges sent at evenly spaced times (not in bursts: autocannon's
 * `overallRate` sends each second's requests together, which measures its own queue), the
 * sessions' credentials in turn, over keep-alive connections. A sign-in is what the SSO
 * callback writes for a person — the user's row and role claims (`users.recordSignIn`, which
 * logs an access change and so drops that user from every broker's credential cache) and a
 * new session (`sessions.start`) — done inside a broker process, as the callback is, the
 * brokers in turn (the IdP round trips are not part of it). Reported: refresh tokens/s, latency p50/p99,
 * failures, and that every token served has its `token.minted` audit row.
 */
export interface LoadProfileOptions {
  /** Agents, each refreshing once a minute (default 10,000). */
  agents?: number;
  /** Seconds of load (default 60). */
  durationSeconds?: number;
  /** Interactive sign-ins per second (default 2), over `users` people. */
  signInsPerSecond?: number;
  users?: number;
  backends?: ReadonlyArray<'sqlite' | 'postgres'>;
}

export interface LoadProfileResult {
  backend: 'sqlite' | 'postgres';
  brokers: number;
  agents: number;
  targetPerSecond: number;
  tokensPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  refreshFailures: number;
  signIns: number;
  signInFailures: number;
  /** The first sign-in failure's message, if any. */
  signInFailure: string | undefined;
  served: number;
  audited: number;
  load: { start: string; end: string };
}

export async function runLoadProfile(options: LoadProfileOptions = {}): Promise<LoadProfileResult[]> {
  const results: LoadProfileResult[] = [];
  for (const backend of options.backends ?? (['sqlite', 'postgres'] as const)) {
    const postgres = backend === 'postgres' ? await startPostgres() : undefined;
    const data: BenchData = { ...createBenchData(), ...(postgres === undefined ? {} : { databaseUrl: postgres.url }) };
    try {
      results.push(await runOne(backend, data, options));
    } finally {
      await postgres?.stop();
      rmSync(data.dataDir, { recursive: true, force: true });
    }
  }
  return results;
}

async function runOne(backend: 'sqlite' | 'postgres', data: BenchData, options: LoadProfileOptions): Promise<LoadProfileResult> {
  const agents = options.agents ?? 10_000;
  const durationSeconds = options.durationSeconds ?? 60;
  const signInsPerSecond = options.signInsPerSecond ?? 2;
  const people = options.users ?? 100;
  const brokerCount = backend === 'postgres' ? 2 : 1;
  const admin = { name: 'bench', admin: true } as const;

  // The customer's people and their agents' sessions, made before the load starts.
  const desk: Services = await createServices(benchConfig(data), { background: false });
  const credentials: string[] = [];
  try {
    for (let i = 0; i < people; i++) await desk.users.setRoleArns(`person${i}`, [ROLE], 'bench');
    for (let i = 0; i < agents; i++) credentials.push((await desk.sessions.start({ userName: `person${i % people}`, roles: [ROLE], tokenTtlSeconds: 60, by: admin })).credential);
  } catch (error) {
    await desk.close();
    throw error;
  }

  const brokers: Array<BenchProcess<{ type: 'listening'; url: string }>> = [];
  const loadAtStart = loadAverage();
  const auditedBefore = await countMinted(desk);
  let signIns = 0;
  let signInFailures = 0;
  let signInFailure: string | undefined;
  try {
    for (let i = 0; i < brokerCount; i++) brokers.push(await startBenchProcess<{ type: 'listening'; url: string }>(new URL('./token-broker.ts', import.meta.url), { input: data }));
    // Sign-ins at a steady rate while the agents refresh, in the broker processes in turn (the SSO callback runs there).
    let signingIn = true;
    const signInLoop = (async () => {
      const interval = 1000 / signInsPerSecond;
      for (let n = 0; signingIn; n++) {
        const started = performance.now();
        const person = `person${n % people}`;
        const answer = await brokers[n % brokers.length]!.ask<{ type: 'signed-in'; error?: string }>({ type: 'sign-in', person, roleArn: ROLE }, 'signed-in');
        if (answer.error === undefined) signIns++;
        else {
          signInFailures++;
          signInFailure ??= answer.error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, interval - (performance.now() - started))));
      }
    })();
    const perSecond = agents / 60;
    const runs = await Promise.all(
      brokers.map((broker, index) => {
        // Each broker takes its share of the agents, as a load balancer would spread them.
        const mine = credentials.filter((_, i) => i % brokerCount === index);
        let next = 0;
        const body = (): string => new URLSearchParams({ grant_type: EXCHANGE, subject_token: mine[next++ % mine.length]!, subject_token_type: CREDENTIAL_TYPE }).toString();
        return paced(`${broker.ready.url}/oauth/token`, body, perSecond / brokerCount, durationSeconds);
      }),
    );
    signingIn = false;
    await signInLoop;
    for (const broker of brokers) await broker.stop();
    const audited = (await countMinted(desk)) - auditedBefore;
    const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const at = (q: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 10) / 10;
    const served = runs.reduce((sum, r) => sum + r.served, 0);
    return {
      backend,
      brokers: brokerCount,
      agents,
      targetPerSecond: perSecond,
      tokensPerSecond: served / durationSeconds,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: at(1),
      refreshFailures: runs.reduce((sum, r) => sum + r.failures, 0),
      signIns,
      signInFailures,
      signInFailure,
      served,
      audited,
      load: { start: loadAtStart, end: loadAverage() },
    };
  } finally {
    for (const broker of brokers) await broker.stop();
    await desk.close();
  }
}

/** Sends `body()` to `url` every 1/`perSecond` s for `seconds`; latency from each send to its whole response. */
async function paced(url: string, body: () => string, perSecond: number, seconds: number): Promise<{ latencies: number[]; served: number; failures: number }> {
  const latencies: number[] = [];
  let served = 0;
  let failures = 0;
  const pending: Array<Promise<void>> = [];
  const interval = 1000 / perSecond;
  const start = performance.now();
  for (let i = 0; i * interval < seconds * 1000; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    pending.push(
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body() }).then(
        async (response) => {
          const text = await response.text();
          latencies.push(performance.now() - sent);
          if (response.status === 200 && text.includes('access_token')) served++;
          else failures++;
        },
        () => void failures++,
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, served, failures };
}

async function countMinted(services: Services): Promise<number> {
  await services.audit.flush();
  const row = await services.store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', 'token.minted').executeTakeFirstOrThrow();
  return Number(row.n);
}

export function formatLoadProfile(results: readonly LoadProfileResult[]): string {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const lines = ['load profile: agents refreshing 60 s tokens at evenly spaced times (POST /oauth/token) while people sign in (user row, role claims, a new session, in the brokers)'];
  for (const r of results) {
    lines.push(`  ${r.backend}, ${r.brokers} broker process${r.brokers > 1 ? 'es' : ''} (load average ${r.load.start} at start, ${r.load.end} at end)`);
    lines.push(`    refreshes            ${fmt(r.tokensPerSecond)} tokens/s for ${fmt(r.agents)} agents (target rate ${fmt(r.targetPerSecond)}/s); p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms`);
    lines.push(`    refresh failures     ${fmt(r.refreshFailures)}`);
    lines.push(`    sign-ins             ${fmt(r.signIns)} (${fmt(r.signInFailures)} failed${r.signInFailure === undefined ? '' : `: ${r.signInFailure}`})`);
    lines.push(`    audit rows           ${fmt(r.audited)} token.minted rows for ${fmt(r.served)} tokens served${r.audited >= r.served ? '' : ': ROWS MISSING'}`);
  }
  return lines.join('\n');
}

// `node bench/load-profile.ts [--quick] [sqlite|postgres]`
if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  const backends = (['sqlite', 'postgres'] as const).filter((b) => process.argv.includes(b));
  const results = await runLoadProfile({ ...(backends.length > 0 ? { backends } : {}), ...(quick ? { agents: 2000, durationSeconds: 20 } : {}) });
  process.stdout.write(`${formatLoadProfile(results)}\n`);
}
