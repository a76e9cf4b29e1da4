import { RoleportError, constantTimeEqual, invalidInput, randomHex, randomId, sha256Hex, type Clock, type EventSink } from '../core/index.ts';
import type { ApiKeyRepository, ApiKeyRow } from '../store/index.ts';
import type { Actor, ApiKey, ApiKeyPrincipal, ApiKeyRole } from './types.ts';

export interface ApiKeyDeps {
  repository: ApiKeyRepository;
  clock: Clock;
  events: EventSink;
}

export interface CreatedApiKey extends ApiKey {
  /** `rpk_<id>.<secret>`: shown once; only its SHA-256 is stored. */
  key: string;
}

/** The key carries its row id in clear (one primary-key read) and 32 random bytes. */
const API_KEY = /^rpk_([a-f0-9]{16})\.([A-Za-z0-9_-]{43})$/;
const NAME = /^[\w .@+-]{1,64}$/;
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['admin', 'publisher'];
// Writing last_used_at on every request would turn every API read into a write.
const TOUCH_INTERVAL_MS = 60_000;

/**
 * API keys for the integrations and content API (`Authorization: Key <key>`), as the
 * publishing server's clients send them. Admins manage integrations; publishers manage
 * content and read integrations.
 */
export function createApiKeys(deps: ApiKeyDeps) {
  const { repository, clock, events } = deps;
  return {
    async create(options: { name: string; role: string; actor: Actor }): Promise<CreatedApiKey> {
      if (!NAME.test(options.name)) throw invalidInput('--name must be 1-64 characters of letters, digits, spaces and _.@+-');
      if (!API_KEY_ROLES.includes(options.role as ApiKeyRole)) throw invalidInput(`--role must be admin or publisher (got ${JSON.stringify(options.role)})`);
      const id = randomHex(8);
      const key = `rpk_${id}.${randomId(32)}`;
      const now = clock.now();
      await repository.insert({ id, name: options.name, role: options.role as ApiKeyRole, key_hash: sha256Hex(key), created_at: now, created_by: options.actor.name, last_used_at: null, revoked_at: null });
      await events.commit({ type: 'api_key.created', actor: options.actor.name, occurredAt: now, details: { api_key_id: id, name: options.name, role: options.role } });
      return { ...toApiKey((await repository.findById(id))!), key };
    },

    /** The key's principal, or undefined when it is malformed, unknown or revoked. */
    async authenticate(key: string): Promise<ApiKeyPrincipal | undefined> {
      const id = API_KEY.exec(key)?.[1];
      if (id === undefined) return undefined;
      const row = await repository.findById(id);
      if (row === undefined || row.revoked_at !== null || !constantTimeEqual(sha256Hex(key), row.key_hash)) return undefined;
      const now = clock.now();
      if (row.last_used_at === null || now - row.last_used_at >= TOUCH_INTERVAL_MS) await repository.touch(id, now);
      return { id: row.id, name: row.name, role: row.role };
    },

    async list(): Promise<ApiKey[]> {
      return (await repository.list()).map(toApiKey);
    },

    /** Revokes a key; the next request with it gets 401. Idempotent. */
    async revoke(id: string, actor: Actor): Promise<ApiKey> {
      const row = await repository.findById(id);
      if (row === undefined) throw new RoleportError('ERR_NOT_FOUND', `no API key ${id}`);
      const now = clock.now();
      if (await repository.revoke(id, now)) events.record({ type: 'api_key.revoked', actor: actor.name, occurredAt: now, details: { api_key_id: id, name: row.name } });
      return toApiKey((await repository.findById(id))!);
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;

function toApiKey(row: ApiKeyRow): ApiKey {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at, createdBy: row.created_by, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}
