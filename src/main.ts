import { runCli } from './cli/index.ts';

/** The process entry point: the only place that calls process.exit. */
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
