import type { Command } from 'commander';
import { createApplication } from '../../app.ts';
import { configFromFlags, type ConfigFlags } from '../context.ts';
import { waitForShutdown } from '../shutdown.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the broker')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ConfigFlags>();
      const app = await createApplication(configFromFlags(flags));
      const url = await app.listen();
      app.services.logger.info({ url, issuer: app.services.config.issuer }, 'roleport broker listening');
      await waitForShutdown(() => app.close());
    });
}
