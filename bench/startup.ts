/**
 * Cold start of the in-session commands (issue: in-session commands start fast): wall time
 * of `roleport --version`, `roleport idp token` and a cached `roleport credential-process`,
 * each as a ratio to `node -e 0` measured in the same run (alternating rounds, medians).
 * Measured on the installed layout (bin/roleport.js over the built dist/, as `npm install -g`
 * lays it out) and on the single executable. Target: ≤ 4× `node -e 0`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApplication } from '../src/app.ts';
import { renderEnvFile, sessionLayout } from '../src/client/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { devTrustPolicy } from '../src/cli/commands/dev.ts';
import { DEV_ROLE_ARNS, registerDevSts } from '../src/sts/index.ts';
import { freePort } from '../test/helpers/ports.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const STARTUP_TARGET = 4;

export interface StartupMeasurement {
  name: string;
  medianMs: number;
  referenceMs: number;
  ratio: number;
}

export interface StartupBenchResult {
  rounds: number;
  installed: StartupMeasurement[];
  binary: StartupMeasurement[];
  binaryMiB: number;
}

export async function runStartupBench(options: { rounds?: number } = {}): Promise<StartupBenchResult> {
  const rounds = options.rounds ?? 15;
  build('build');
  build('build:binary');
  const work = mkdtempSync(join(tmpdir(), 'roleport-startup-bench-'));
  // The issuer is the listening URL, so that the local STS can fetch the broker's keys.
  const port = await freePort();
  const broker = await createApplication(
    loadConfig({
      env: {},
      overrides: { log: { level: 'silent' }, listen: `127.0.0.1:${port}`, issuer: `http://127.0.0.1:${port}`, dataDir: join(work, 'data'), 'sts.enabled': true, 'sts.listen': '127.0.0.1:0' },
    }),
  );
  try {
    const brokerUrl = await broker.listen();
    const stsUrl = broker.stsUrl()!;
    await registerDevSts(broker.services.sts.registry, broker.services.config.issuer, devTrustPolicy(broker.services.config));
    const role = DEV_ROLE_ARNS[0]!;
    await broker.services.users.setRoleArns('alice', [role], 'bench');
    const { credential } = await broker.services.sessions.start({ userName: 'alice', roles: [role], by: { name: 'bench', admin: true } });
    const sessionDir = join(work, 'session');
    mkdirSync(sessionDir, { mode: 0o700 });
    writeFileSync(sessionLayout(sessionDir).credentialFile, credential, { mode: 0o600 });
    writeFileSync(sessionLayout(sessionDir).envFile, renderEnvFile({ ROLEPORT_URL: brokerUrl, ROLEPORT_SESSION_DIR: sessionDir }), { mode: 0o600 });
    const env = { PATH: process.env['PATH'] ?? '', HOME: work, ROLEPORT_SESSION_DIR: sessionDir, AWS_ENDPOINT_URL_STS: stsUrl };
    const commands: Array<[string, string[]]> = [
      ['roleport --version', ['--version']],
      ['roleport idp token', ['idp', 'token']],
      ['roleport credential-process (cached)', ['credential-process', '--role-arn', role]],
    ];
    const installed = installedLayout(work);
    const measure = async (argvOf: (args: string[]) => string[]): Promise<StartupMeasurement[]> => {
      const results: StartupMeasurement[] = [];
      for (const [name, args] of commands) {
        const argv = argvOf(args);
        // Warm-up: fills the credential cache and the compile cache, as any earlier call would.
        await runAsync(argv, env);
        const times: number[] = [];
        const reference: number[] = [];
        for (let round = 0; round < rounds; round++) {
          const pair = [async () => times.push(await timed(argv, env)), async () => reference.push(await timed([process.execPath, '-e', '0'], env))];
          if (round % 2 === 1) pair.reverse();
          for (const run of pair) await run();
        }
        const medianMs = median(times);
        const referenceMs = median(reference);
        results.push({ name, medianMs, referenceMs, ratio: medianMs / referenceMs });
      }
      return results;
    };
    const binaryPath = join(ROOT, 'dist', `roleport-linux-${process.arch}`);
    return {
      rounds,
      installed: await measure((args) => [process.execPath, installed, ...args]),
      binary: await measure((args) => [binaryPath, ...args]),
      binaryMiB: statSync(binaryPath).size / 1024 / 1024,
    };
  } finally {
    await broker.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatStartupBench(result: StartupBenchResult): string {
  const lines = [`in-session cold start: median wall time of ${result.rounds} runs, alternating with node -e 0 (target ≤ ${STARTUP_TARGET}×)`];
  for (const [label, list] of [['installed package (bin/roleport.js → dist/, Node 24)', result.installed], [`single executable (${result.binaryMiB.toFixed(1)} MiB)`, result.binary]] as const) {
    lines.push(`  ${label}`);
    for (const m of list) {
      lines.push(`    ${m.name.padEnd(38)} ${m.medianMs.toFixed(1)} ms vs ${m.referenceMs.toFixed(1)} ms  ${m.ratio.toFixed(2)}×  (${m.ratio <= STARTUP_TARGET ? 'meets' : 'ABOVE'} the target)`);
    }
  }
  return lines.join('\n');
}

/** bin/roleport.js with dist/ beside it and no src/: what `npm install -g` lays out. */
function installedLayout(work: string): string {
  const pkg = join(work, 'package');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin', 'roleport.js'), join(pkg, 'bin', 'roleport.js'));
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'dist'), join(pkg, 'dist'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  return join(pkg, 'bin', 'roleport.js');
}

function build(script: string): void {
  const result = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`npm run ${script} failed`);
}

/** Wall time of one run, spawn to exit. Asynchronous: the broker runs in this process and must answer. */
async function timed(argv: string[], env: Record<string, string>): Promise<number> {
  const start = process.hrtime.bigint();
  await runAsync(argv, env);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function runAsync(argv: string[], env: Record<string, string>): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`))));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (import.meta.main) process.stdout.write(`${formatStartupBench(await runStartupBench())}\n`);
