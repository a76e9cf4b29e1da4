import type { KeySummary } from '../../issuer/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { formatTime, print, table } from '../output.ts';

export interface KeysListOptions extends ConfigFlags {
  json: boolean;
}

export interface KeysRotateOptions extends KeysListOptions {
  /** Activate the new key at once (a compromised key). */
  immediate: boolean;
}

/** `roleport keys list`. */
export async function runKeysList(options: KeysListOptions): Promise<void> {
  const list = await withServices(options, (services) => services.keys.list());
  print(options, { keys: list.map(toJson) }, () => renderKeys(list));
}

/** `roleport keys rotate [--immediate]`. */
export async function runKeysRotate(options: KeysRotateOptions): Promise<void> {
  const list = await withServices(options, (services) => services.keys.rotate({ immediate: options.immediate, actor: 'cli' }));
  print(options, { keys: list.map(toJson) }, () => renderKeys(list));
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
