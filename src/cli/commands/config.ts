import type { Command } from 'commander';
import { redactUrl } from '../../store/index.ts';
import { configFromFlags, type ConfigFlags } from '../context.ts';
import { print } from '../output.ts';

interface CheckFlags extends ConfigFlags {
  json?: boolean;
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the configuration without starting anything')
    .option('--json', 'print the resolved configuration (secrets omitted) as JSON')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<CheckFlags>();
      const resolved = configFromFlags(flags);
      const summary = {
        valid: true,
        source: resolved.source,
        mode: resolved.mode,
        issuer: resolved.issuer,
        listen: resolved.listen,
        data_dir: resolved.dataDir,
        database_url: redactUrl(resolved.databaseUrl),
        master_key: resolved.masterKey === undefined ? 'generated in data dir' : 'provided',
        signing_algorithm: resolved.keys.algorithm,
      };
      print({ json: flags.json === true }, summary, () => `configuration is valid (${resolved.source})\n${Object.entries(summary).slice(2).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
    });
}
