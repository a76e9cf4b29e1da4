import { runCli } from './cli/index.ts';

/** The process entry point: the only place that calls process.exit. */
const code = await runCli(process.argv.slice(2));
// A failure exits at once, whatever handle a half-started command left open; a success
// ends when the event loop drains, so pending output is flushed.
if (code !== 0) process.exit(code);
process.exitCode = code;
