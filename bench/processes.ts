import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/**
 * Bench servers and signers in processes of their own, optionally pinned to CPUs with
 * `taskset` (util-linux), so that a server and the load generator driving it each get a core
 * of their own and one process's threads cannot spread over both.
 */
export interface BenchProcess<Ready> {
  ready: Ready;
  pid: number;
  /** Sends a message; the reply of `type` resolves. */
  ask<Reply extends { type: string }>(message: unknown, type: Reply['type']): Promise<Reply>;
  /** Asks the process to close (any message `'close'`), waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** `taskset -c` list (e.g. `1` or `0,1`); undefined: not pinned. */
  cpus?: string | undefined;
  /** JSON-serializable input, handed over in an environment variable. */
  input?: unknown;
  /** Node flags (e.g. `--cpu-prof`). */
  execArgv?: readonly string[];
  /** Extra environment. */
  env?: Record<string, string>;
}

export const BENCH_INPUT_ENV = 'ROLEPORT_BENCH_INPUT';

/** Starts `script` with Node 24 and resolves with its first `{ type: 'listening' | 'ready', … }` message. */
export async function startBenchProcess<Ready extends { type: string }>(script: URL, options: StartOptions = {}): Promise<BenchProcess<Ready>> {
  const node = [process.execPath, ...(options.execArgv ?? []), script.pathname];
  const [command, args] = options.cpus === undefined ? [node[0]!, node.slice(1)] : [tasksetPath(), ['-c', options.cpus, ...node]];
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env, [BENCH_INPUT_ENV]: JSON.stringify(options.input ?? null) },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let early: ((code: number | null) => void) | undefined;
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    early = (code) => reject(new Error(`${script.pathname} exited (${code}) before it was ready`));
    child.once('exit', early);
    child.on('message', (message: Ready) => {
      if (message.type === 'listening' || message.type === 'ready') resolve(message);
    });
  });
  child.off('exit', early!);
  let stopped: Promise<void> | undefined;
  return {
    ready,
    pid: child.pid!,
    ask<Reply extends { type: string }>(message: unknown, type: Reply['type']) {
      return new Promise<Reply>((resolve, reject) => {
        const onMessage = (reply: Reply): void => {
          if (reply.type !== type) return;
          child.off('message', onMessage);
          resolve(reply);
        };
        child.on('message', onMessage);
        child.send(message as object, (error) => error && reject(error));
      });
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.connected) child.send('close');
        const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timeout);
      })();
      return stopped;
    },
  };
}

/** The input a bench process was started with. */
export function benchInput<T>(): T {
  return JSON.parse(process.env[BENCH_INPUT_ENV] ?? 'null') as T;
}

/** Pins every thread of this process to `cpus` (`taskset -a -p`); returns a function that undoes it. */
export function pinThisProcess(cpus: string): () => void {
  const taskset = tasksetPath();
  const before = execFileSync(taskset, ['-p', '-c', String(process.pid)], { encoding: 'utf8' }).trim().split(': ').pop()!;
  execFileSync(taskset, ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  return () => void execFileSync(taskset, ['-a', '-p', '-c', before, String(process.pid)], { stdio: 'ignore' });
}

let found: string | undefined;

/** `taskset`, or an error naming the package: pinning is part of what the figures mean. */
export function tasksetPath(): string {
  if (found !== undefined) return found;
  for (const candidate of ['/usr/bin/taskset', '/bin/taskset', '/usr/local/bin/taskset']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      found = candidate;
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error('taskset not found: install util-linux (apt-get install -y util-linux) so the bench can pin servers and the load generator to cores');
}

/**
 * In a bench server: answers `'cpu'` with `{ type: 'cpu', micros }` — the process's user and
 * system CPU time so far, every thread's (signing on the thread pool included) — and calls
 * `close` on `'close'`. CPU per token is steadier than tokens per second on a shared machine.
 */
export function answerCpuQueries(close: () => void): void {
  process.on('message', (message: unknown) => {
    if (message === 'cpu') {
      const usage = process.cpuUsage();
      process.send!({ type: 'cpu', micros: usage.user + usage.system });
    } else if (message === 'close') close();
  });
}

/** A port free on 127.0.0.1 right now, for a bench server that must know its URL before it listens. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
