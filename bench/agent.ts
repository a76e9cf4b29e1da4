import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServices } from '../src/services.ts';
import { brokerTokenClaims } from '../src/sessions/token-sources.ts';
import type { AgentWorkerInput, AgentWorkerReport } from './agent-worker.ts';
import { benchConfig, createBenchData, runFor, type BenchData } from './setup.ts';
import { startListeningWorker } from './listening-worker.ts';
import { CREDENTIAL_TYPE, EXCHANGE } from './sessions.ts';

export interface AgentBenchOptions {
  /** Sessions served by the one agent process (default 10,000). */
  sessions?: number;
  /** Token lifetime of every session (default 60 s). */
  tokenTtlSeconds?: number;
  /** Seconds measured after the last session was added (default 120: two refresh cycles of 60 s tokens). */
  measureSeconds?: number;
  /** Sessions added at once while ramping up (default 100). */
  concurrency?: number;
  /** The agent's session poll (default 0 = off, so the broker's load is token refreshes only). */
  pollIntervalMs?: number;
  /**
   * autocannon connections sending `POST /oauth/token` for other sessions the whole time the
   * agent runs, as many as the token-endpoint bench (default 32; 0 = the agent's refreshes only).
   */
  tokenLoadConnections?: number;
  /** Milliseconds of in-process minting for the ceiling (default 3,000). */
  mintMs?: number;
  data?: BenchData;
}

export interface AgentBenchResult {
  sessions: number;
  tokenTtlSeconds: number;
  measureSeconds: number;
  rampSeconds: number;
  /** Refresh lateness: a new token on disk minus when it was due, ms. */
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
  /** Scheduled refreshes measured. */
  refreshesMeasured: number;
  failures: number;
  failureSample: string | null;
  /** (RSS after GC while serving every session − RSS before the first session) per 1,000 sessions, MiB. */
  rssPerThousandMiB: number;
  /** The same with the peak RSS sampled while measuring (garbage not yet collected included). */
  rssPeakPerThousandMiB: number;
  rssBaselineMiB: number;
  rssPeakMiB: number;
  /** Tokens the broker served per second while the agent kept every session fresh. */
  brokerTokensPerSecond: number;
  /** In-process `mintToken` with a session's claims, on the same machine in the same run. */
  mintCeiling: number;
  /** brokerTokensPerSecond / mintCeiling: how much of the broker's signing capacity the agent used. */
  ceilingShare: number;
  /** The other load on the broker while the agent ran: connections, tokens/s, failed requests. */
  tokenLoad: { connections: number; tokensPerSecond: number; failures: number } | null;
  /** What the counterpart was: the real broker on loopback. */
  reference: string;
  /** The agent's event-loop delay while measuring, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  heapUsedMiB: number;
}

const ROLE = 'arn:aws:iam::111111111111:role/DataScientist';
const MiB = 1024 * 1024;

/**
 * 10,000 sessions with 60 s tokens in one agent process against the real broker on loopback
 * (its own worker thread, SQLite in a temp directory): refresh lateness p50/p99 (target p99 <
 * 1 s), agent RSS per 1,000 sessions (target < 20 MB), and the broker's tokens per second
 * while serving them beside the in-process mint ceiling measured in the same run. The agent
 * runs in a child process so that its memory is measured alone; token files are real files
 * written by atomic replace with fsync.
 *
 * @example
 * import { runAgentBench } from './agent.ts';
 * const r = await runAgentBench();                       // ~4 minutes
 * const q = await runAgentBench({ sessions: 1000, measureSeconds: 60 }); // ~1.5 minutes
 * // or on its own: node bench/agent.ts [--quick]
 */
export async function runAgentBench(options: AgentBenchOptions = {}): Promise<AgentBenchResult> {
  const count = options.sessions ?? 10_000;
  const ttl = options.tokenTtlSeconds ?? 60;
  const measureSeconds = options.measureSeconds ?? 120;
  const ownsData = options.data === undefined;
  const data = options.data ?? createBenchData();
  const agentDir = join(data.dataDir, 'agent');
  try {
    const loadConnections = options.tokenLoadConnections ?? 32;
    const loadSessions = loadConnections > 0 ? 1000 : 0;
    const prepared = await prepareSessions(data, count + loadSessions, ttl, options.mintMs ?? 3000);
    const credentials = prepared.credentials.slice(0, count);
    const loadCredentials = prepared.credentials.slice(count);
    const mintCeiling = prepared.mintCeiling;
    const credentialsFile = join(data.dataDir, 'session-credentials.txt');
    writeFileSync(credentialsFile, `${credentials.join('\n')}\n`, { mode: 0o600 });
    mkdirSync(agentDir, { recursive: true });
    const broker = await startBroker(data);
    const load = loadConnections > 0 ? startTokenLoad(broker.url, loadConnections, loadCredentials) : undefined;
    try {
      const report = await runAgentProcess({
        brokerUrl: broker.url,
        credentialsFile,
        dir: agentDir,
        measureSeconds,
        concurrency: options.concurrency ?? 100,
        pollIntervalMs: options.pollIntervalMs ?? 0,
      });
      const sorted = [...report.lateness].sort((a, b) => a - b);
      const quantile = (q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
      const brokerTokensPerSecond = report.lateness.length / report.measureSeconds;
      const tokenLoad = load === undefined ? null : { connections: loadConnections, ...(await load.stop()) };
      return {
        sessions: report.sessions,
        tokenTtlSeconds: ttl,
        measureSeconds: report.measureSeconds,
        rampSeconds: report.rampSeconds,
        latenessP50Ms: quantile(0.5),
        latenessP99Ms: quantile(0.99),
        latenessMaxMs: sorted.at(-1) ?? Number.NaN,
        refreshesMeasured: report.lateness.length,
        failures: report.failures,
        failureSample: report.failureSample,
        rssPerThousandMiB: (report.rssSteady - report.rssBaseline) / MiB / (report.sessions / 1000),
        rssPeakPerThousandMiB: (report.rssEnd - report.rssBaseline) / MiB / (report.sessions / 1000),
        rssBaselineMiB: report.rssBaseline / MiB,
        rssPeakMiB: report.rssEnd / MiB,
        brokerTokensPerSecond,
        mintCeiling,
        ceilingShare: brokerTokensPerSecond / mintCeiling,
        tokenLoad,
        reference: 'the real broker (POST /oauth/token, SQLite) on a worker thread, loopback',
        loopDelayP99Ms: report.loopDelayP99Ms,
        loopDelayMaxMs: report.loopDelayMaxMs,
        heapUsedMiB: report.heapUsedEnd / MiB,
      };
    } finally {
      await load?.stop();
      await broker.stop();
    }
  } finally {
    if (ownsData) rmSync(data.dataDir, { recursive: true, force: true });
    else rmSync(agentDir, { recursive: true, force: true });
  }
}

/** Starts N sessions on the bench data and measures the in-process mint ceiling with a session's claims. */
async function prepareSessions(data: BenchData, count: number, ttl: number, mintMs: number): Promise<{ credentials: string[]; mintCeiling: number }> {
  const services = await createServices(benchConfig(data), { background: false });
  try {
    await services.users.setRoleArns('alice', [ROLE], 'bench');
    const credentials: string[] = [];
    for (let i = 0; i < count; i++) {
      const { credential } = await services.sessions.start({ userName: 'alice', roles: [ROLE], tokenTtlSeconds: ttl, by: { name: 'bench', admin: true } });
      credentials.push(credential);
    }
    const user = (await services.sessions.findUser('alice'))!;
    const first = (await services.sessions.authenticate(credentials[0]!))!;
    const { subject, claims } = brokerTokenClaims(services.sessions.settings, first, user, ROLE);
    // Returned, so that runFor counts finished mints (signing may run on the thread pool).
    const mintOnce = (): Promise<unknown> =>
      services.mintToken({ subject, audience: 'sts.amazonaws.com', ttlSeconds: ttl, claims, actor: `session:${first.id}`, userName: 'alice', sessionId: first.id, roleArn: ROLE });
    await runFor(300, mintOnce);
    const ceiling = await runFor(mintMs, mintOnce);
    await services.audit.flush();
    return { credentials, mintCeiling: ceiling.operations / ceiling.seconds };
  } finally {
    await services.close();
  }
}

function runAgentProcess(input: AgentWorkerInput): Promise<AgentWorkerReport> {
  const child = fork(new URL('./agent-worker.ts', import.meta.url), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the agent process exited (${code}) before reporting`)));
    child.on('message', (message: { type: string; report?: AgentWorkerReport; message?: string }) => {
      if (message.type === 'ready') child.send(input);
      else if (message.type === 'report') {
        resolve(message.report!);
        child.disconnect();
      } else if (message.type === 'error') reject(new Error(`agent process: ${message.message}`));
    });
  });
}

interface TokenLoad {
  /** Stops the load (idempotent) and says what it sent: tokens per second and failed requests. */
  stop(): Promise<{ tokensPerSecond: number; failures: number }>;
}

/**
 * `POST /oauth/token` for other sessions than the agent's, from this process, as long as the
 * agent runs: the broker busy with the token load of the token-endpoint bench while the agent
 * keeps its sessions fresh.
 */
function startTokenLoad(brokerUrl: string, connections: number, credentials: readonly string[]): TokenLoad {
  let index = 0;
  const body = (credential: string): string => new URLSearchParams({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE }).toString();
  let finish: (result: autocannon.Result) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve) => (finish = resolve));
  const instance = autocannon(
    {
      url: `${brokerUrl}/oauth/token`,
      connections,
      duration: 24 * 3600,
      requests: [{ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, setupRequest: (request) => ({ ...request, body: body(credentials[index++ % credentials.length]!) }) }],
    },
    (_error, result) => finish(result),
  );
  let stopped: Promise<{ tokensPerSecond: number; failures: number }> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        instance.stop();
        const result = await finished;
        return { tokensPerSecond: result.requests.total / result.duration, failures: result.errors + result.non2xx };
      })();
      return stopped;
    },
  };
}

interface RunningBroker {
  url: string;
  stop(): Promise<void>;
}

async function startBroker(data: BenchData): Promise<RunningBroker> {
  const worker = await startListeningWorker<{ type: 'listening'; url: string }>(new URL('./agent-broker.ts', import.meta.url), data);
  return { url: worker.ready.url, stop: worker.stop };
}

/** The report lines `npm run bench` prints for this scenario. */
export function formatAgentBench(r: AgentBenchResult): string {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const verdict = (ok: boolean): string => (ok ? 'meets' : 'MISSES');
  return [
    `session agent: ${fmt(r.sessions)} sessions in one agent process, ${r.tokenTtlSeconds} s tokens refreshed at 80 %, ${r.measureSeconds} s measured after a ${r.rampSeconds.toFixed(0)} s ramp`,
    `  counterpart               ${r.reference}`,
    r.tokenLoad === null
      ? `  other token load          none (the agent's refreshes only)`
      : `  other token load          ${r.tokenLoad.connections} autocannon connections of POST /oauth/token for other sessions the whole time: ${fmt(r.tokenLoad.tokensPerSecond)} tokens/s, ${fmt(r.tokenLoad.failures)} failed`,
    `  refresh lateness          p50 ${fmt(r.latenessP50Ms)} ms, p99 ${fmt(r.latenessP99Ms)} ms, max ${fmt(r.latenessMaxMs)} ms over ${fmt(r.refreshesMeasured)} refreshes (${verdict(r.latenessP99Ms < 1000)} the p99 < 1 s target)`,
    `  agent RSS                 ${r.rssPerThousandMiB.toFixed(1)} MiB per 1,000 sessions after GC (${verdict(r.rssPerThousandMiB * 1.048576 < 20)} the < 20 MB target); ${r.rssPeakPerThousandMiB.toFixed(1)} MiB at the sampled peak`,
    `                            baseline ${r.rssBaselineMiB.toFixed(0)} MiB, peak ${r.rssPeakMiB.toFixed(0)} MiB, heap used after GC ${r.heapUsedMiB.toFixed(0)} MiB`,
    `  agent event loop          delay p99 ${r.loopDelayP99Ms.toFixed(1)} ms, max ${r.loopDelayMaxMs.toFixed(1)} ms`,
    `  broker tokens served      ${fmt(r.brokerTokensPerSecond)} tokens/s = ${(r.ceilingShare * 100).toFixed(1)}% of the in-process mint ceiling (${fmt(r.mintCeiling)} tokens/s)`,
    `  refresh failures          ${fmt(r.failures)}${r.failureSample === null ? '' : ` (e.g. ${r.failureSample})`}`,
  ].join('\n');
}

if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  const result = await runAgentBench({ ...(quick ? { sessions: 1000, measureSeconds: 60, mintMs: 1000 } : {}), ...(process.argv.includes('--no-load') ? { tokenLoadConnections: 0 } : {}) });
  process.stdout.write(`${formatAgentBench(result)}\n`);
}
