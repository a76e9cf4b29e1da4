import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './commands/config.ts';
import { registerDevCommand } from './commands/dev.ts';
import { registerIssuerCommands } from './commands/issuer.ts';
import { registerKeysCommands } from './commands/keys.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTokenCommands } from './commands/token.ts';
import { exitCodeFor, messageFor } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('roleport')
    .description('Workload identity broker: short-lived AWS credentials through OIDC web identity federation')
    .option('--config <file>', 'config file (YAML); env ROLEPORT_CONFIG')
    .option('--data-dir <dir>', 'data directory; env ROLEPORT_DATA_DIR')
    .option('--database-url <url>', 'sqlite:PATH or postgres://…; env ROLEPORT_DATABASE_URL')
    .showHelpAfterError(false)
    .exitOverride();
  registerServeCommand(program);
  registerDevCommand(program);
  registerConfigCommands(program);
  registerKeysCommands(program);
  registerTokenCommands(program);
  registerIssuerCommands(program);
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

function applyExitOverride(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) applyExitOverride(sub);
}

/**
 * Runs the CLI and returns the process exit code: 0 success, 1 failure, 2 bad usage or bad
 * input. The single place that turns errors into exit codes.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander throws is bad usage (already printed).
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    process.stderr.write(`roleport: ${messageFor(error)}\n`);
    return exitCodeFor(error);
  }
}
