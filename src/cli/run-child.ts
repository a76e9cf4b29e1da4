import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a command with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP to it while it runs,
 * and resolves with its exit code: 128 + the signal number when a signal killed it, 127 when
 * it was not found, 126 when it could not be started. Used by `run` and `content run`.
 */
export function runChild(commandLine: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(commandLine[0]!, commandLine.slice(1), { stdio: 'inherit', env });
    const forwarders = FORWARDED_SIGNALS.map((signal) => {
      const forward = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      process.on(signal, forward);
      return () => process.off(signal, forward);
    });
    const done = (code: number): void => {
      for (const remove of forwarders) remove();
      resolvePromise(code);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(`roleport: cannot run ${commandLine[0]}: ${error.code === 'ENOENT' ? 'command not found' : error.message}\n`);
      done(error.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => done(code ?? (signal === null ? 1 : 128 + (constants.signals[signal] ?? 0))));
  });
}
