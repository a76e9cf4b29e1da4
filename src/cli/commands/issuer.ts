import { resolve } from 'node:path';
import type { Command } from 'commander';
import { publishIssuerDocuments } from '../../issuer/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { print } from '../output.ts';

interface PublishFlags extends ConfigFlags {
  out: string;
  json?: boolean;
}

export function registerIssuerCommands(program: Command): void {
  const issuer = program.command('issuer').description('the OIDC issuer documents');
  issuer
    .command('publish')
    .description('write discovery and JWKS into DIR for a static HTTPS host or bucket (re-run after each rotation)')
    .requiredOption('--out <dir>', 'output directory (the web root of the static host)')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<PublishFlags>();
      const result = await withServices(flags, async (services) => {
        const published = publishIssuerDocuments(services.keys.documents(), resolve(flags.out));
        return { issuer: services.config.issuer, files: published.files, kids: services.keys.publishedKeys().map((k) => k.kid) };
      });
      print({ json: flags.json === true }, result, () => [`issuer: ${result.issuer}`, ...result.files.map((f) => `wrote ${f}`), `keys: ${result.kids.join(', ')}`].join('\n'));
    });
}
