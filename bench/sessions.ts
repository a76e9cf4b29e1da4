import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { createServices } from '../src/services.ts';
import { brokerTokenClaims } from '../src/sessions/token-sources.ts';
import { benchConfig, createBenchData, runFor, type BenchData } from './setup.ts';
import type { ServerWorkerData } from './server-worker.ts';
import { startListeningWorker } from './listening-worker.ts';

export interface SessionsBenchOptions {
  /** Active sessions whose credentials the load rotates through (default 1,000). */
  sessions?: number;
  /** autocannon connections (default 10). */
  connections?: number;
  /** Seconds of load on POST /oauth/token (default 5). */
  durationSeconds?: number;
  /** Milliseconds of in-process minting for the ceiling (default 3,000). */
  mintMs?: number;
  /** Broker data to use; default: a fresh temp directory, removed afterwards. */
  data?: BenchData;
}

export interface SessionsBenchResult {
  sessions: number;
  /** In-process `mintToken` with a session's claims: the most any token endpoint could give. */
  mintCeiling: number;
  /** In-process `sessions.exchange` (credential check, user and role check, mint, session row update). */
  exchangeInProcess: number;
  /** Tokens per second through `POST /oauth/token` over loopback HTTP. */
  tokensPerSecond: number;
  /** tokensPerSecond / mintCeiling. */
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  /** Audit rows for the tokens minted over HTTP (must equal the 200 responses). */
  audited: number;
  minted: number;
}

export const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const CREDENTIAL_TYPE = 'urn:roleport:params:oauth:token-type:session-credential';
export const ROLE = 'arn:aws:iam::111111111111:role/DataScientist';

/**
 * Broker tokens per second for session agents: `POST /oauth/token` under autocannon (each
 * request carries the credential of the next of N active sessions, so every request is a
 * real exchange: lookup, checks, RS256 signature, audit row, session row update) against the
 * in-process mint ceiling measured in the same run on the same data. The broker runs on its
 * own worker thread, as in the issuer benchmark.
 *
 * @example
 * import { runSessionsBench } from './sessions.ts';
 * const r = await runSessionsBench({ sessions: 10_000, durationSeconds: 10 });
 * console.log(`${r.tokensPerSecond} tokens/s = ${(r.ratio * 100).toFixed(1)}% of the mint ceiling`);
 * // or on its own: node bench/sessions.ts [--quick]
 */
export async function runSessionsBench(options: SessionsBenchOptions = {}): Promise<SessionsBenchResult> {
  const count = options.sessions ?? 1000;
  const ownsData = options.data === undefined;
  const data = options.data ?? createBenchData();
  try {
    const setup = await createServices(benchConfig(data), { background: false });
    let credentials: string[];
    let mintCeiling: number;
    let exchangeInProcess: number;
    try {
      await setup.users.setRoleArns('alice', [ROLE], 'bench');
      credentials = [];
      for (let i = 0; i < count; i++) {
        const { credential } = await setup.sessions.start({ userName: 'alice', roles: [ROLE], tokenTtlSeconds: 60, by: { name: 'bench', admin: true } });
        credentials.push(credential);
      }
      const user = (await setup.sessions.findUser('alice'))!;
      const first = (await setup.sessions.authenticate(credentials[0]!))!;
      const { subject, claims } = brokerTokenClaims(setup.sessions.settings, first, user, ROLE);
      const mintOnce = (): void =>
        void setup.mintToken({ subject, audience: 'sts.amazonaws.com', ttlSeconds: 60, claims, actor: `session:${first.id}`, userName: 'alice', sessionId: first.id, roleArn: ROLE });
      await runFor(300, mintOnce); // warm-up
      const ceiling = await runFor(options.mintMs ?? 3000, mintOnce);
      mintCeiling = ceiling.operations / ceiling.seconds;
      let next = 0;
      const exchanged = await timedAsync(options.mintMs ?? 3000, () => setup.sessions.exchange({ credential: credentials[next++ % credentials.length]! }));
      exchangeInProcess = exchanged;
      await setup.audit.flush();
    } finally {
      await setup.close();
    }

    const broker = await startBroker(data);
    try {
      const auditedBefore = await countMinted(data);
      let index = 0;
      const body = (credential: string): string => new URLSearchParams({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE }).toString();
      const load = (duration: number) =>
        autocannon({
          url: `${broker.url}/oauth/token`,
          connections: options.connections ?? 10,
          duration,
          requests: [
            {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              setupRequest: (request) => ({ ...request, body: body(credentials[index++ % credentials.length]!) }),
            },
          ],
        });
      const warm = await load(1);
      const result = await load(options.durationSeconds ?? 5);
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`POST /oauth/token: ${result.errors} errors, ${result.non2xx} non-2xx responses under load`);
      await broker.stop();
      const audited = (await countMinted(data)) - auditedBefore;
      const tokensPerSecond = result.requests.total / result.duration;
      return {
        sessions: count,
        mintCeiling,
        exchangeInProcess,
        tokensPerSecond,
        ratio: tokensPerSecond / mintCeiling,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        audited,
        // The warm-up's tokens are audited too, so they count here as well.
        minted: warm['2xx'] + result['2xx'],
      };
    } finally {
      await broker.stop();
    }
  } finally {
    if (ownsData) rmSync(data.dataDir, { recursive: true, force: true });
  }
}

async function timedAsync(durationMs: number, step: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let operations = 0;
  while (performance.now() - started < durationMs) {
    await step();
    operations++;
  }
  return operations / ((performance.now() - started) / 1000);
}

async function countMinted(data: BenchData): Promise<number> {
  const services = await createServices(benchConfig(data), { background: false });
  try {
    const row = await services.store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('type', '=', 'token.minted')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await services.close();
  }
}

interface RunningBroker {
  url: string;
  stop(): Promise<void>;
}

async function startBroker(data: BenchData): Promise<RunningBroker> {
  const worker = await startListeningWorker<{ type: 'listening'; url: string }>(new URL('./server-worker.ts', import.meta.url), { kind: 'broker', data } satisfies ServerWorkerData);
  return { url: worker.ready.url, stop: worker.stop };
}

if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  const r = await runSessionsBench(quick ? { sessions: 200, durationSeconds: 2, mintMs: 1000 } : {});
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  process.stdout.write(
    `session tokens over HTTP (POST /oauth/token, RFC 8693, ${fmt(r.sessions)} sessions, 60 s tokens)\n` +
      `  mint ceiling (in-process)   ${fmt(r.mintCeiling)} tokens/s\n` +
      `  exchange (in-process)       ${fmt(r.exchangeInProcess)} tokens/s\n` +
      `  POST /oauth/token           ${fmt(r.tokensPerSecond)} tokens/s (p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms)\n` +
      `  ratio to the ceiling        ${(r.ratio * 100).toFixed(1)}%\n` +
      `  audit rows                  ${fmt(r.audited)} token.minted rows for ${fmt(r.minted)} tokens served\n` +
      `  sustains                    ${fmt(r.tokensPerSecond * 48)} sessions with 60 s tokens refreshed at 80%\n`,
  );
}
