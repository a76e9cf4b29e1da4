import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './commands/config.ts';
import { registerDevCommand } from './commands/dev.ts';
import { registerIssuerCommands } from './commands/issuer.ts';
import { registerPolicyCommands } from './commands/policy.ts';
import { registerAwsCommands } from './commands/aws.ts';
import { registerKeysCommands } from './commands/keys.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerStsCommands } from './commands/sts.ts';
import { registerTokenCommands } from './commands/token.ts';
import { registerUsersCommands } from './commands/users.ts';
import { registerSessionCommands } from './commands/session.ts';
import { registerUserTokenCommands } from './commands/users-token.ts';
import { CommandExitStatus, registerAgentCommand } from './commands/agent.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerIdpCommands } from './commands/idp.ts';
import { registerCredentialProcessCommand } from './commands/credential-process.ts';
import { registerLoginCommands } from './commands/login.ts';
import { registerApiKeyCommands } from './commands/api-keys.ts';
import { registerIntegrationCommands } from './commands/integrations.ts';
import { registerContentCommands } from './commands/content.ts';
import { registerGcpCommands } from './commands/gcp.ts';
import { registerAzureCommands } from './commands/azure.ts';
import { exitCodeFor, messageFor } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('roleport')
    .version(packageVersion(), '-V, --version')
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
  registerStsCommands(program);
  registerPolicyCommands(program);
  registerAwsCommands(program);
  registerGcpCommands(program);
  registerAzureCommands(program);
  registerUsersCommands(program);
  registerSessionCommands(program);
  registerLoginCommands(program);
  registerAgentCommand(program);
  registerRunCommand(program);
  registerIdpCommands(program);
  registerCredentialProcessCommand(program);
  registerApiKeyCommands(program);
  registerIntegrationCommands(program);
  registerContentCommands(program);
  // Last: it joins the `users` group if one was registered above.
  registerUserTokenCommands(program);
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

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}
