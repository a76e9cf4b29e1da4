import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { createServices } from '../src/services.ts';
import { benchConfig, createBenchData, type BenchData } from './setup.ts';
import { median } from './mint.ts';
import { startListeningWorker } from './listening-worker.ts';
import type { ServerWorkerData } from './server-worker.ts';
import { startStsWorker } from './sts.ts';
import { CREDENTIAL_TYPE, EXCHANGE, ROLE } from './sessions.ts';

/**
 * What durable audit costs (issue 10, item 7): a token or credential leaves only after its
 * audit row is committed, with concurrent requests' rows grouped into one write (group
 * commit). Each path is measured against itself with audit events queued in memory instead
 * (the behaviour before, which lost the last ~250 ms of rows on a crash), in alternating
 * rounds on the same machine: `POST /oauth/token` (agents' session tokens) and the local
 * STS's `AssumeRoleWithWebIdentity`. On SQLite always; on PostgreSQL too when
 * `ROLEPORT_BENCH_POSTGRES_URL` names a server where the bench may create databases.
 */
export interface DurabilityBenchOptions {
  durationSeconds?: number;
  rounds?: number;
  connections?: number;
  /** A PostgreSQL server URL (any database): two databases are created per path and dropped afterwards. */
  postgresUrl?: string | undefined;
}

export interface DurabilityRate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface DurabilityResult {
  path: string;
  database: 'sqlite' | 'postgres';
  durable: DurabilityRate;
  queued: DurabilityRate;
  /** Median over rounds of durable ÷ queued requests per second. */
  ratio: number;
  /** Audit rows the durable side wrote for the responses it sent (equal when nothing is missing). */
  audited: number;
  served: number;
}

const SESSIONS = 200;

interface Side {
  url: string;
  /** Form body of the next request. */
  body: () => string;
  data: BenchData;
  auditType: string;
  stop(): Promise<void>;
}

export async function runAuditDurabilityBench(options: DurabilityBenchOptions = {}): Promise<DurabilityResult[]> {
  const results: DurabilityResult[] = [];
  const databases: Array<'sqlite' | 'postgres'> = options.postgresUrl === undefined ? ['sqlite'] : ['sqlite', 'postgres'];
  for (const database of databases) {
    results.push(await compare('POST /oauth/token', database, options, (durable, data) => startTokenSide(durable, data)));
    results.push(await compare('STS AssumeRoleWithWebIdentity', database, options, (durable, data) => startStsSide(durable, data)));
  }
  return results;
}

async function compare(path: string, database: 'sqlite' | 'postgres', options: DurabilityBenchOptions, start: (durable: boolean, data: BenchData) => Promise<Side>): Promise<DurabilityResult> {
  const durationSeconds = options.durationSeconds ?? 5;
  const rounds = options.rounds ?? 3;
  const connections = options.connections ?? 10;
  const created: BenchData[] = [];
  const sides: Side[] = [];
  try {
    for (const durable of [true, false]) {
      const data = createBenchData();
      if (database === 'postgres') data.databaseUrl = await createPostgresDatabase(options.postgresUrl!);
      created.push(data);
      sides.push(await start(durable, data));
    }
    const [durableSide, queuedSide] = sides as [Side, Side];
    const load = async (side: Side, seconds: number) => {
      const result = await autocannon({
        url: side.url,
        connections,
        duration: seconds,
        requests: [{ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, setupRequest: (request) => ({ ...request, body: side.body() }) }],
      });
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx responses under load`);
      return { served: result['2xx'], rate: { perSecond: result.requests.total / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99 } };
    };
    let served = 0;
    await load(queuedSide, 1);
    served += (await load(durableSide, 1)).served;
    const durable: DurabilityRate[] = [];
    const queued: DurabilityRate[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Swap which side goes first each round, so load from elsewhere hits both alike.
      const first = round % 2 === 0 ? durableSide : queuedSide;
      const a = await load(first, durationSeconds);
      const b = await load(first === durableSide ? queuedSide : durableSide, durationSeconds);
      const [d, q] = first === durableSide ? [a, b] : [b, a];
      served += d.served;
      durable.push(d.rate);
      queued.push(q.rate);
      ratios.push(d.rate.perSecond / q.rate.perSecond);
    }
    await durableSide.stop();
    const audited = await countAudit(durableSide.data, durableSide.auditType);
    return { path, database, durable: meanRate(durable), queued: meanRate(queued), ratio: median(ratios), audited, served };
  } finally {
    for (const side of sides) await side.stop();
    for (const data of created) {
      rmSync(data.dataDir, { recursive: true, force: true });
      if (data.databaseUrl !== undefined) await dropPostgresDatabase(data.databaseUrl);
    }
  }
}

/** The broker on its own thread, with SESSIONS sessions whose credentials the load rotates through. */
async function startTokenSide(durable: boolean, data: BenchData): Promise<Side> {
  const setup = await createServices(benchConfig(data), { background: false });
  const credentials: string[] = [];
  try {
    await setup.users.setRoleArns('alice', [ROLE], 'bench');
    for (let i = 0; i < SESSIONS; i++) credentials.push((await setup.sessions.start({ userName: 'alice', roles: [ROLE], tokenTtlSeconds: 60, by: { name: 'bench', admin: true } })).credential);
  } finally {
    await setup.close();
  }
  const worker = await startListeningWorker<{ type: 'listening'; url: string }>(new URL('./server-worker.ts', import.meta.url), { kind: 'broker', data, durableAudit: durable } satisfies ServerWorkerData);
  let next = 0;
  return {
    url: `${worker.ready.url}/oauth/token`,
    body: () => new URLSearchParams({ grant_type: EXCHANGE, subject_token: credentials[next++ % credentials.length]!, subject_token_type: CREDENTIAL_TYPE }).toString(),
    data,
    auditType: 'token.minted',
    stop: worker.stop,
  };
}

/** The broker with its local STS on its own listener and thread (its form POST fast path). */
async function startStsSide(durable: boolean, data: BenchData): Promise<Side> {
  const worker = await startStsWorker({ data, roleArn: ROLE, durableAudit: durable });
  const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: ROLE, RoleSessionName: 'bench', WebIdentityToken: worker.token }).toString();
  return { url: worker.stsUrl, body: () => body, data, auditType: 'sts.role_assumed', stop: worker.stop };
}

async function countAudit(data: BenchData, type: string): Promise<number> {
  const services = await createServices(benchConfig(data), { background: false });
  try {
    const row = await services.store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', type).executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await services.close();
  }
}

function meanRate(rates: DurabilityRate[]): DurabilityRate {
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return { perSecond: mean(rates.map((r) => r.perSecond)), p50Ms: mean(rates.map((r) => r.p50Ms)), p99Ms: mean(rates.map((r) => r.p99Ms)) };
}

async function createPostgresDatabase(serverUrl: string): Promise<string> {
  const name = `roleport_bench_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

async function dropPostgresDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  await withClient(databaseUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** One line per figure, for `npm run bench` and `node bench/audit-durability.ts`. */
export function formatDurabilityBench(results: readonly DurabilityResult[], connections = 10): string {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ms = (n: number): string => String(Math.round(n * 10) / 10);
  const lines = [`durable audit: every token's row committed before its response (group commit) vs rows queued in memory (the reference), autocannon ${connections} connections, alternating rounds`];
  for (const r of results) {
    lines.push(`  ${r.path} (${r.database})`);
    lines.push(`    queued (reference)   ${fmt(r.queued.perSecond)} /s (p50 ${ms(r.queued.p50Ms)} ms, p99 ${ms(r.queued.p99Ms)} ms)`);
    lines.push(`    durable              ${fmt(r.durable.perSecond)} /s (p50 ${ms(r.durable.p50Ms)} ms, p99 ${ms(r.durable.p99Ms)} ms)`);
    lines.push(`    ratio                ${(r.ratio * 100).toFixed(1)}%  (audit rows ${fmt(r.audited)} for ${fmt(r.served)} responses${r.audited >= r.served ? '' : ': ROWS MISSING'})`);
  }
  return lines.join('\n');
}

// `node bench/audit-durability.ts [--quick]` runs this scenario alone.
if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  const results = await runAuditDurabilityBench({ durationSeconds: quick ? 2 : 5, rounds: quick ? 2 : 3, postgresUrl: process.env['ROLEPORT_BENCH_POSTGRES_URL'] });
  process.stdout.write(`${formatDurabilityBench(results)}\n`);
}
