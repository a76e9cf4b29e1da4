import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { createBenchData } from './setup.ts';
import { startListeningWorker } from './listening-worker.ts';
import type { StsWorkerData } from './sts-worker.ts';

/** One figure of the STS bench: a rate measured against a reference in the same run. */
export interface BenchResult {
  name: string;
  /** What was measured, per second. */
  value: number;
  unit: string;
  /** The reference rate (same run, same machine), when the figure is a ratio. */
  reference?: { name: string; value: number } | undefined;
  /** value / reference.value, or value itself against an absolute target. */
  ratio?: number | undefined;
  target: { kind: 'ratio' | 'rate'; value: number };
  met: boolean;
  notes?: string | undefined;
}

export interface StsBenchOptions {
  /** Seconds per load run (default 5). */
  durationSeconds?: number;
  connections?: number;
  /** Alternating rounds; the ratio is the median (default 3). */
  rounds?: number;
}

const ROLE_ARN = 'arn:aws:iam::111111111111:role/Bench';
const HTTP_TARGET = 0.5;

/**
 * The local STS's performance figure (issue 3): `AssumeRoleWithWebIdentity` requests/s over
 * HTTP — autocannon against the STS listener on its own thread; each request verifies the
 * token, evaluates the trust policy, stores sealed credentials and renders XML — against raw
 * `jose` `jwtVerify` of the same token in-process (local JWKS, one thread). Target ≥ 50%.
 * (The policy engine's own evaluations/s figure belongs to src/policy's bench.)
 */
export async function runStsBench(options: StsBenchOptions = {}): Promise<BenchResult[]> {
  const durationSeconds = options.durationSeconds ?? 5;
  const connections = options.connections ?? 10;
  const rounds = options.rounds ?? 3;
  const data = createBenchData();
  const server = await startStsWorker({ data, roleArn: ROLE_ARN });
  try {
    const jwks = (await (await fetch(`${server.issuer}/openid/v1/jwks`)).json()) as JSONWebKeySet;
    const body = new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: ROLE_ARN,
      RoleSessionName: 'bench',
      WebIdentityToken: server.token,
    }).toString();
    const first = await fetch(server.stsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    if (first.status !== 200) throw new Error(`the STS refused the bench request: ${first.status} ${await first.text()}`);

    const verifyRate = async (): Promise<number> => {
      const keys = createLocalJWKSet(jwks);
      const deadline = performance.now() + durationSeconds * 1000;
      const started = performance.now();
      let count = 0;
      while (performance.now() < deadline) {
        await jwtVerify(server.token, keys, { issuer: server.issuer, audience: 'sts.amazonaws.com', algorithms: ['RS256'] });
        count++;
      }
      return count / ((performance.now() - started) / 1000);
    };
    const httpRate = async (seconds: number): Promise<number> => {
      const result = await autocannon({
        url: server.stsUrl,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        connections,
        duration: seconds,
      });
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`STS under load: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
      return result.requests.total / result.duration;
    };

    await httpRate(1);
    await verifyRate();
    const ratios: number[] = [];
    const http: number[] = [];
    const verify: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const pair = round % 2 === 0 ? [await verifyRate(), await httpRate(durationSeconds)] : [await httpRate(durationSeconds), await verifyRate()].reverse();
      verify.push(pair[0] as number);
      http.push(pair[1] as number);
      ratios.push((pair[1] as number) / (pair[0] as number));
    }
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const ratio = median(ratios);
    return [
      {
        name: 'AssumeRoleWithWebIdentity over HTTP vs jose jwtVerify in-process',
        value: mean(http),
        unit: 'requests/s',
        reference: { name: 'jose jwtVerify (RS256, local JWKS)', value: mean(verify) },
        ratio,
        target: { kind: 'ratio', value: HTTP_TARGET },
        met: ratio >= HTTP_TARGET,
        notes: `${connections} connections, ${rounds} rounds of ${durationSeconds} s, median ratio`,
      },
    ];
  } finally {
    await server.stop();
    rmSync(data.dataDir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface RunningStsWorker {
  issuer: string;
  stsUrl: string;
  token: string;
  stop(): Promise<void>;
}

export async function startStsWorker(input: StsWorkerData): Promise<RunningStsWorker> {
  const worker = await startListeningWorker<{ type: 'listening'; issuer: string; stsUrl: string; token: string }>(new URL('./sts-worker.ts', import.meta.url), input);
  return { issuer: worker.ready.issuer, stsUrl: worker.ready.stsUrl, token: worker.ready.token, stop: worker.stop };
}

// `node bench/sts.ts` runs this scenario alone.
if (import.meta.main) {
  const results = await runStsBench({ durationSeconds: process.argv.includes('--quick') ? 2 : 5 });
  for (const result of results) {
    const figure = result.ratio === undefined ? '' : `  ratio ${(result.ratio * 100).toFixed(1)}%`;
    const reference = result.reference === undefined ? '' : `  (reference ${Math.round(result.reference.value).toLocaleString('en-US')} /s: ${result.reference.name})`;
    process.stdout.write(`${result.name}\n  ${Math.round(result.value).toLocaleString('en-US')} ${result.unit}${reference}${figure}  ${result.met ? 'meets' : 'BELOW'} the target\n`);
  }
}
