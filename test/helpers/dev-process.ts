import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROLEPORT_BIN } from './run-cli.ts';

/** A `roleport dev` child process, its stdout as lines, and its exit. */
export interface DevProcess {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts `roleport dev ARGS` on the project's Node with a bare environment (no ROLEPORT_* leaking in). */
export function startDev(args: string[]): DevProcess {
  const child = spawn(process.execPath, [ROLEPORT_BIN, 'dev', ...args], { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), exited, stderr: () => stderr };
}

/** The next stdout line; fails (instead of waiting for ever) if none comes within 30 s or the process exits. */
export async function nextDevLine(dev: DevProcess): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<IteratorResult<string>>((resolve) => {
    timer = setTimeout(() => resolve({ done: true, value: 'no line within 30 s' }), 30_000);
  });
  const exited = dev.exited.then((exit) => ({ done: true as const, value: `exited ${JSON.stringify(exit)}` }));
  try {
    const next = await Promise.race([dev.lines.next(), exited, timeout]);
    assert.ok(!next.done, `roleport dev printed no further line: ${String(next.value)}\n${dev.stderr()}`);
    return next.value;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM (if still running) and the exit it ends with. */
export async function stopDev(dev: DevProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGTERM');
  return dev.exited;
}
