import type { ApiKey } from '../../integrations/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { UsageError, formatTime, print, table } from '../output.ts';

export interface ApiKeyCreateOptions extends ConfigFlags {
  name: string;
  /** `admin` or `publisher`; anything else is refused. */
  role: string;
  json: boolean;
}

export interface ApiKeyListOptions extends ConfigFlags {
  json: boolean;
}

export interface ApiKeyRevokeOptions extends ApiKeyListOptions {
  id: string;
}

const CLI = { name: 'cli' };

/*
 * `roleport api-keys …`: keys for the integrations and content API (`Authorization: Key …`),
 * on the data directory / database. A key is shown once; only its SHA-256 is stored.
 */

/** `roleport api-keys create`: prints the key once. */
export async function runApiKeyCreate(options: ApiKeyCreateOptions): Promise<void> {
  const role = options.role;
  if (role !== 'admin' && role !== 'publisher') throw new UsageError(`--role ${role}: expected admin or publisher`);
  const created = await withServices(options, (services) => services.integrations.apiKeys.create({ name: options.name, role, actor: CLI }));
  print(options, { ...keyJson(created), key: created.key }, () => [`API key ${created.id} (${created.name}, ${created.role}) created. It is shown only now:`, created.key].join('\n'));
}

/** `roleport api-keys list` (never the keys themselves). */
export async function runApiKeyList(options: ApiKeyListOptions): Promise<void> {
  const list = await withServices(options, (services) => services.integrations.apiKeys.list());
  print(options, { api_keys: list.map(keyJson) }, () =>
    list.length === 0
      ? 'no API keys'
      : table(['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'], list.map((k) => [k.id, k.name, k.role, formatTime(k.createdAt), formatTime(k.lastUsedAt), formatTime(k.revokedAt)])),
  );
}

/** `roleport api-keys revoke <id>`: requests with the key get 401 from now on. */
export async function runApiKeyRevoke(options: ApiKeyRevokeOptions): Promise<void> {
  const key = await withServices(options, (services) => services.integrations.apiKeys.revoke(options.id, CLI));
  print(options, keyJson(key), () => `API key ${key.id} (${key.name}) revoked at ${formatTime(key.revokedAt)}`);
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
