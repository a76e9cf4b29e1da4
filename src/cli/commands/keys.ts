import type { Command } from 'commander';
import type { KeySummary } from '../../issuer/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { formatTime, print, table } from '../output.ts';

interface KeysFlags extends ConfigFlags {
  json?: boolean;
  immediate?: boolean;
}

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys of the issuer');
  keys
    .command('list')
    .description('show each key: kid, algorithm, state and dates')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<KeysFlags>();
      const list = await withServices(flags, (services) => services.keys.list());
      print({ json: flags.json === true }, { keys: list.map(toJson) }, () => renderKeys(list));
    });
  keys
    .command('rotate')
    .description('publish a new key now; it signs once the JWKS cache time has passed')
    .option('--immediate', 'activate the new key at once (compromised key); verifiers with a cached JWKS may refuse new tokens until their cache expires')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<KeysFlags>();
      const list = await withServices(flags, (services) => services.keys.rotate({ immediate: flags.immediate === true, actor: 'cli' }));
      print({ json: flags.json === true }, { keys: list.map(toJson) }, () => renderKeys(list));
    });
}

function toJson(key: KeySummary) {
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    created_at: formatTime(key.createdAt),
    activate_after: formatTime(key.activateAfter),
    activated_at: key.activatedAt === null ? null : formatTime(key.activatedAt),
    retired_at: key.retiredAt === null ? null : formatTime(key.retiredAt),
    remove_after: key.removeAfter === null ? null : formatTime(key.removeAfter),
  };
}

function renderKeys(list: readonly KeySummary[]): string {
  return table(
    ['KID', 'ALG', 'STATE', 'CREATED', 'SIGNS FROM', 'RETIRED', 'LEAVES JWKS'],
    list.map((k) => [k.kid, k.alg, k.state, formatTime(k.createdAt), formatTime(k.activatedAt ?? k.activateAfter), formatTime(k.retiredAt), formatTime(k.removeAfter)]),
  );
}
