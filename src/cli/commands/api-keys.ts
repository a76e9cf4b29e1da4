import type { Command } from 'commander';
import type { ApiKey } from '../../integrations/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { UsageError, formatTime, print, table } from '../output.ts';
import { safeText } from '../text-flags.ts';

interface ApiKeyFlags extends ConfigFlags {
  name?: string;
  role?: string;
  json?: boolean;
}

const CLI = { name: 'cli' };

/**
 * `roleport api-keys …`: keys for the integrations and content API (`Authorization: Key …`),
 * on the data directory / database. A key is shown once; only its SHA-256 is stored.
 */
export function registerApiKeyCommands(program: Command): void {
  const keys = program.command('api-keys').description('API keys for the integrations and content API (admin, on the data directory / database)');

  keys
    .command('create')
    .description('create an API key; prints it once')
    .requiredOption('--name <name>', 'what the key is for (shown in the audit log)', safeText('--name', { maxLength: 64 }))
    .requiredOption('--role <role>', 'admin (manages integrations) or publisher (manages content, reads integrations)')
    .option('--json', 'print {id, name, role, key, created_time}')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ApiKeyFlags>();
      if (flags.role !== 'admin' && flags.role !== 'publisher') throw new UsageError(`--role ${flags.role ?? ''}: expected admin or publisher`);
      const created = await withServices(flags, (services) => services.integrations.apiKeys.create({ name: flags.name!, role: flags.role!, actor: CLI }));
      print({ json: flags.json === true }, { ...keyJson(created), key: created.key }, () =>
        [`API key ${created.id} (${created.name}, ${created.role}) created. It is shown only now:`, created.key].join('\n'),
      );
    });

  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--json', 'print {api_keys: […]}')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ApiKeyFlags>();
      const list = await withServices(flags, (services) => services.integrations.apiKeys.list());
      print({ json: flags.json === true }, { api_keys: list.map(keyJson) }, () =>
        list.length === 0
          ? 'no API keys'
          : table(['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'], list.map((k) => [k.id, k.name, k.role, formatTime(k.createdAt), formatTime(k.lastUsedAt), formatTime(k.revokedAt)])),
      );
    });

  keys
    .command('revoke <id>')
    .description('revoke an API key: requests with it get 401 from now on')
    .option('--json', 'print the key\'s record')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ApiKeyFlags>();
      const key = await withServices(flags, (services) => services.integrations.apiKeys.revoke(id, CLI));
      print({ json: flags.json === true }, keyJson(key), () => `API key ${key.id} (${key.name}) revoked at ${formatTime(key.revokedAt)}`);
    });
}

function keyJson(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    created_time: formatTime(key.createdAt),
    created_by: key.createdBy,
    last_used_time: key.lastUsedAt === null ? null : formatTime(key.lastUsedAt),
    revoked_time: key.revokedAt === null ? null : formatTime(key.revokedAt),
  };
}
