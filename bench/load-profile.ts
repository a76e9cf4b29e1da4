import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
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
 * `POST /oauth/token` exchanges at a fixed rate (autocannon's `overallRate`, the sessions'
 * credentials in turn). A sign-in is what the SSO callback writes for a person: the user's
 * row and role claims (`users.recordSignIn`, which logs an access change and so drops that
 * user from every broker's credential cache) and a new session for them (`sessions.start`),
 * made by another process on the same database. Reported: refresh tokens/s, latency p50/p99,
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
  try {
    for (let i = 0; i < brokerCount; i++) brokers.push(await startBenchProcess<{ type: 'listening'; url: string }>(new URL('./token-broker.ts', import.meta.url), { input: data }));
    // Sign-ins from another process on the same database, at a steady rate, while the agents refresh.
    let signingIn = true;
    const signInLoop = (async () => {
      const interval = 1000 / signInsPerSecond;
      for (let n = 0; signingIn; n++) {
        const started = performance.now();
        const person = `person${n % people}`;
        try {
          await desk.users.recordSignIn({ issuer: 'https://idp.bench.example', claims: { sub: `sub-${person}`, preferred_username: person, email: `${person}@example.com`, groups: ['bench'], aws_role_arn: [ROLE] }, kind: 'sign-in' });
          await desk.sessions.start({ userName: person, roles: [ROLE], tokenTtlSeconds: 3600, by: { name: person, admin: false, userName: person } });
          signIns++;
        } catch {
          signInFailures++;
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
        return autocannon({
          url: `${broker.ready.url}/oauth/token`,
          connections: 50,
          overallRate: Math.round(perSecond / brokerCount),
          duration: durationSeconds,
          requests: [
            {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              setupRequest: (request) => ({ ...request, body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: mine[next++ % mine.length]!, subject_token_type: CREDENTIAL_TYPE }).toString() }),
            },
          ],
        });
      }),
    );
    signingIn = false;
    await signInLoop;
    for (const broker of brokers) await broker.stop();
    const audited = (await countMinted(desk)) - auditedBefore;
    const total = runs.reduce((sum, r) => sum + r.requests.total, 0);
    return {
      backend,
      brokers: brokerCount,
      agents,
      targetPerSecond: perSecond,
      tokensPerSecond: total / durationSeconds,
      // Across brokers: the worse one's percentiles.
      p50Ms: Math.max(...runs.map((r) => r.latency.p50)),
      p99Ms: Math.max(...runs.map((r) => r.latency.p99)),
      maxMs: Math.max(...runs.map((r) => r.latency.max)),
      refreshFailures: runs.reduce((sum, r) => sum + r.errors + r.non2xx + r.timeouts, 0),
      signIns,
      signInFailures,
      served: runs.reduce((sum, r) => sum + r['2xx'], 0),
      audited,
      load: { start: loadAtStart, end: loadAverage() },
    };
  } finally {
    for (const broker of brokers) await broker.stop();
    await desk.close();
  }
}

async function countMinted(services: Services): Promise<number> {
  await services.audit.flush();
  const row = await services.store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', 'token.minted').executeTakeFirstOrThrow();
  return Number(row.n);
}

export function formatLoadProfile(results: readonly LoadProfileResult[]): string {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const lines = ['load profile: agents refreshing 60 s tokens at a fixed rate (POST /oauth/token) while people sign in (user row, role claims, a new session) from another process on the same database'];
  for (const r of results) {
    lines.push(`  ${r.backend}, ${r.brokers} broker process${r.brokers > 1 ? 'es' : ''} (load average ${r.load.start} at start, ${r.load.end} at end)`);
    lines.push(`    refreshes            ${fmt(r.tokensPerSecond)} tokens/s for ${fmt(r.agents)} agents (target rate ${fmt(r.targetPerSecond)}/s); p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms`);
    lines.push(`    refresh failures     ${fmt(r.refreshFailures)}`);
    lines.push(`    sign-ins             ${fmt(r.signIns)} (${fmt(r.signInFailures)} failed)`);
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
