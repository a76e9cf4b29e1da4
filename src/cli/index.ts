import { Command, CommanderError } from 'commander';
import { CommandExitStatus } from './exit-status.ts';
import { exitCodeFor, messageFor } from './output.ts';
import { defineApiKeyCommands, defineConfigCommands, defineIssuerCommands, defineKeysCommands, defineServeCommand, defineSessionCommands, defineTokenCommands, defineUsersCommands } from './program/admin.ts';
import { defineDevCommand } from './program/dev.ts';
import { defineAgentCommand, defineCredentialProcessCommand, defineIdpCommands, defineLoginCommands, defineRunCommand } from './program/in-session.ts';
import { defineAwsCommands, definePolicyCommands, defineStsCommands } from './program/offline-aws.ts';
import { defineContentCommands, defineIntegrationCommands } from './program/publishing.ts';
import { defineAzureCommands, defineGcpCommands } from './program/cloud.ts';
import { packageVersion } from './version.ts';

/**
 * The command line: commander wiring only. Each command's action imports its module
 * (`commands/<name>.ts`) when it runs, so `roleport --version` or `roleport idp token` never
 * loads the broker, the AWS SDK or a database driver.
 */
export function buildProgram(): Command {
  const program = new Command('roleport')
    .version(packageVersion(), '-V, --version')
    .description('Workload identity broker: short-lived AWS credentials through OIDC web identity federation')
    .option('--config <file>', 'config file (YAML); env ROLEPORT_CONFIG')
    .option('--data-dir <dir>', 'data directory; env ROLEPORT_DATA_DIR')
    .option('--database-url <url>', 'sqlite:PATH or postgres://…; env ROLEPORT_DATABASE_URL')
    .showHelpAfterError(false)
    .exitOverride();
  defineServeCommand(program);
  defineDevCommand(program);
  defineConfigCommands(program);
  defineKeysCommands(program);
  defineTokenCommands(program);
  defineIssuerCommands(program);
  defineStsCommands(program);
  definePolicyCommands(program);
  defineAwsCommands(program);
  defineUsersCommands(program);
  defineSessionCommands(program);
  defineLoginCommands(program);
  defineAgentCommand(program);
  defineRunCommand(program);
  defineIdpCommands(program);
  defineCredentialProcessCommand(program);
  defineApiKeyCommands(program);
  defineIntegrationCommands(program);
  defineContentCommands(program);
  defineGcpCommands(program);
  defineAzureCommands(program);
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
    // `roleport run` passes on its command's exit code; the command has already spoken.
    if (error instanceof CommandExitStatus) return error.exitCode;
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander throws is bad usage (already printed).
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    process.stderr.write(`roleport: ${messageFor(error)}\n`);
    return exitCodeFor(error);
  }
}
