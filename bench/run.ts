import { rmSync } from 'node:fs';
import { describeMachine } from './machine.ts';
import { benchIssuerHttp } from './issuer-http.ts';
import { benchMintAllCores, benchMintInProcess } from './mint.ts';
import { createBenchData } from './setup.ts';
import { runPolicyBench } from './policy.ts';
import { runStsBench } from './sts.ts';
import { runSessionsBench } from './sessions.ts';
import { formatAgentBench, runAgentBench } from './agent.ts';
import { formatDurabilityBench, runAuditDurabilityBench } from './audit-durability.ts';
import { formatStartupBench, runStartupBench } from './startup.ts';

/**
 * `npm run bench` (`-- --quick` for a shorter, noisier run). Every figure is a ratio against a
 * reference measured in the same run on the same machine, in alternating rounds, so load
 * from elsewhere hits both sides alike and the ratios travel between machines.
 * Targets (the foundation issue): minting ≥ 85% of raw RS256 signing in-process;
 * discovery/JWKS ≥ 70% of a bare node:http server. Then the local STS against raw jose
 * verification, trust-policy evaluations, broker tokens for session agents against the mint
 * ceiling, what durable audit costs on the token and STS paths (each against itself with the
 * audit rows queued in memory; PostgreSQL too with ROLEPORT_BENCH_POSTGRES_URL), and 10,000
 * agent sessions' refresh lateness and memory. Results: BENCHMARKS.md.
 */
const MINT_TARGET = 0.85;
const HTTP_TARGET = 0.7;

const quick = process.argv.includes('--quick');
const machine = describeMachine();
const data = createBenchData();
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const verdict = (ratio: number, target: number): string => (ratio >= target ? `meets the ${pct(target)} target` : `BELOW the ${pct(target)} target`);
const out = (text: string): void => void process.stdout.write(`${text}\n`);

out(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`);
out('');
try {
  const rounds = quick ? 3 : 5;
  const roundMs = quick ? 1000 : 2000;
  const single = await benchMintInProcess(data, rounds, roundMs);
  out(`minting, one thread: createMinter + key manager over SQLite + batched audit log, RS256, ${single.payloadBytes}-byte signing input (${rounds} alternating rounds of ${roundMs / 1000} s)`);
  out(`  raw node:crypto sign   ${fmt(single.raw)} /s`);
  out(`  minting core           ${fmt(single.mint)} tokens/s`);
  out(`  ratio                  ${pct(single.ratio)}  (${verdict(single.ratio, MINT_TARGET)})`);
  out(`  audit rows written     ${fmt(single.audited)} for ${fmt(single.minted)} tokens minted`);
  out('');

  const threads = Math.max(2, machine.cores);
  const all = await benchMintAllCores(data, threads, rounds, roundMs);
  out(`minting, ${threads} worker threads at once (every core busy; each thread its own services on the shared SQLite file, like replicas)`);
  out(`  raw node:crypto sign   ${fmt(all.raw)} /s`);
  out(`  minting core           ${fmt(all.mint)} tokens/s`);
  out(`  ratio                  ${pct(all.ratio)}`);
  out(`  vs one thread          ${(all.mint / single.mint).toFixed(2)}x minting, ${(all.raw / single.raw).toFixed(2)}x raw`);
  out('');

  const connections = 10;
  const durationSeconds = quick ? 2 : 5;
  const httpRounds = quick ? 2 : 3;
  const http = await benchIssuerHttp(data, { connections, durationSeconds, rounds: httpRounds });
  out(`discovery and JWKS over HTTP: autocannon, ${connections} connections, ${durationSeconds} s per run, ${httpRounds} alternating rounds, loopback`);
  for (const r of http) {
    out(`  ${r.path}`);
    out(`    bare node:http       ${fmt(r.bare)} req/s (p99 ${r.p99BareMs} ms)`);
    out(`    broker               ${fmt(r.broker)} req/s (p99 ${r.p99BrokerMs} ms)`);
    out(`    ratio                ${pct(r.ratio)}  (${verdict(r.ratio, HTTP_TARGET)})`);
  }
  out('');

  const policy = await runPolicyBench(quick ? 1000 : 2000);
  out('trust-policy evaluation: 10-statement policy, full trace, one core');
  out(`  reference (JSON.stringify of the request)  ${fmt(policy.referencePerSecond)} /s`);
  out(`  evaluations                                ${fmt(policy.evaluationsPerSecond)} /s  (${policy.evaluationsPerSecond >= policy.target ? 'meets' : 'BELOW'} the ${fmt(policy.target)}/s target; ${policy.ratio.toFixed(2)} per reference op)`);
  out('');

  out('local STS: AssumeRoleWithWebIdentity over HTTP vs raw jose jwtVerify in-process');
  for (const result of await runStsBench({ durationSeconds: quick ? 2 : 5, rounds: quick ? 2 : 3 })) {
    const reference = result.reference === undefined ? '' : `  reference ${fmt(result.reference.value)} /s (${result.reference.name})`;
    const ratio = result.ratio === undefined ? '' : `  ratio ${pct(result.ratio)}`;
    out(`  ${result.name}: ${fmt(result.value)} ${result.unit}${reference}${ratio}  (${result.met ? 'meets' : 'BELOW'} the target)`);
  }
  out('');

  const sessions = await runSessionsBench(quick ? { sessions: 200, durationSeconds: 2, mintMs: 1000 } : {});
  out(`session tokens: POST /oauth/token (RFC 8693), ${fmt(sessions.sessions)} sessions`);
  out(`  mint ceiling (in-process)  ${fmt(sessions.mintCeiling)} tokens/s`);
  out(`  POST /oauth/token          ${fmt(sessions.tokensPerSecond)} tokens/s (p50 ${sessions.p50Ms} ms, p99 ${sessions.p99Ms} ms)`);
  out(`  ratio to the ceiling       ${pct(sessions.ratio)}`);
  out('');

  const durability = await runAuditDurabilityBench({ durationSeconds: quick ? 2 : 5, rounds: quick ? 2 : 3, postgresUrl: process.env['ROLEPORT_BENCH_POSTGRES_URL'] });
  out(formatDurabilityBench(durability));
  out('');

  out(formatAgentBench(await runAgentBench(quick ? { sessions: 1000, measureSeconds: 60, mintMs: 1000 } : {})));
  out('');

  out(formatStartupBench(await runStartupBench({ rounds: quick ? 7 : 15 })));
} finally {
  rmSync(data.dataDir, { recursive: true, force: true });
}
