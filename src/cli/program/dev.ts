import type { Command } from 'commander';

export function defineDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run everything on loopback for a first look: broker, issuer, local STS, content origin and demo IdP (data in ./.roleport)')
    .option('--port <port>', 'broker port on 127.0.0.1; the STS takes the next one, the content origin (on localhost) the one after (0 picks free ones)', '8080')
    .option('--json', 'print the endpoints as one JSON object')
    .action(async (options: { port: string; json?: boolean }, command: Command) => {
      const { config, dataDir } = command.optsWithGlobals<{ config?: string; dataDir?: string }>();
      const { runDev } = await import('../commands/dev.ts');
      await runDev({ port: options.port, json: options.json === true, config, dataDir });
    });
}
