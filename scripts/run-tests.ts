/**
 * `npm test` after the typecheck: starts one real PostgreSQL server for the whole run, hands
 * its URL to every test process in ROLEPORT_TEST_POSTGRES_URL, runs `node --test` on every
 * `src/**\/*.test.ts` and `test/**\/*.test.ts`, stops PostgreSQL, and exits with the test
 * run's exit code.
 *
 * Usage: node scripts/run-tests.ts [PATH_PREFIX...] [--NODE_TEST_FLAG...]
 *   PATH_PREFIX   only run test files under these paths (e.g. src/store test/helpers/postgres.test.ts)
 *   --flag        passed on to `node --test` (e.g. --test-name-pattern=refresh, --test-reporter=spec)
 * The TAP reporter is the default so that the summary (`# pass N`, `# fail N`) is printed
 * whether or not the output is a terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { globSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, TEST_POSTGRES_URL_ENV, type PostgresHandle } from '../test/helpers/postgres.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_FILE_PATTERNS = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const NODE_TEST_FLAGS = ['--test', '--test-concurrency=2', '--test-timeout=300000'];
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

interface RunTestsArguments {
  pathPrefixes: string[];
  nodeTestFlags: string[];
}

function parseArguments(argv: string[]): RunTestsArguments {
  return {
    pathPrefixes: argv.filter((arg) => !arg.startsWith('-')).map((arg) => relative(ROOT, resolve(arg))),
    nodeTestFlags: argv.filter((arg) => arg.startsWith('-')),
  };
}

function findTestFiles(pathPrefixes: string[]): string[] {
  const files = globSync(TEST_FILE_PATTERNS, {
    cwd: ROOT,
    exclude: (path) => path.split(/[\\/]/).includes('node_modules'),
  });
  const selected =
    pathPrefixes.length === 0
      ? files
      : files.filter((file) => pathPrefixes.some((prefix) => prefix === '' || file === prefix || file.startsWith(`${prefix}${sep}`)));
  return [...new Set(selected)].sort();
}

function runNodeTest(files: string[], flags: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number> } {
  const reporter = flags.some((flag) => flag.startsWith('--test-reporter')) ? [] : ['--test-reporter=tap'];
  const child = spawn(process.execPath, [...NODE_TEST_FLAGS, ...reporter, ...flags, ...files], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  const exited = new Promise<number>((resolveExit) => {
    child.once('error', (error) => {
      process.stderr.write(`run-tests: cannot start ${process.execPath}: ${error.message}\n`);
      resolveExit(1);
    });
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? (SIGNAL_EXIT_CODES[signal] ?? 1) : 1)));
  });
  return { child, exited };
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  const files = findTestFiles(args.pathPrefixes);
  if (files.length === 0) {
    process.stderr.write(`run-tests: no test files match ${TEST_FILE_PATTERNS.join(', ')} ${args.pathPrefixes.join(' ')}\n`);
    return 1;
  }

  let postgres: PostgresHandle | undefined;
  let child: ChildProcess | undefined;
  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    interruptedBy ??= signal;
    // A terminal's Ctrl-C reaches the child too; a SIGTERM from a supervisor does not.
    if (child && child.exitCode === null) child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  try {
    postgres = await startPostgres();
    if (interruptedBy) return SIGNAL_EXIT_CODES[interruptedBy] ?? 1;
    process.stderr.write(`run-tests: PostgreSQL for this run at ${postgres.url}; ${files.length} test files\n`);
    const run = runNodeTest(files, args.nodeTestFlags, { ...process.env, [TEST_POSTGRES_URL_ENV]: postgres.url });
    child = run.child;
    const code = await run.exited;
    return interruptedBy ? (SIGNAL_EXIT_CODES[interruptedBy] ?? code) : code;
  } catch (error) {
    process.stderr.write(`run-tests: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    await postgres?.stop();
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}

process.exitCode = await main();
