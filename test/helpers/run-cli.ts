import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `bin/roleport.js` of this checkout. */
export const ROLEPORT_BIN = fileURLToPath(new URL('../../bin/roleport.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `roleport ARGS…` as a child process on this process's Node (24), with an environment
 * holding PATH/HOME and no `ROLEPORT_*` variable except those in `env`, so the developer's
 * own settings never leak into a test.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}, options: { input?: string; cwd?: string } = {}): Promise<CliResult> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  const child = spawn(process.execPath, [ROLEPORT_BIN, ...args], { env: { ...base, ...env }, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
