import type { Clock, EventSink } from '../core/index.ts';
import { RoleportError, constantTimeEqual, invalidInput } from '../core/index.ts';
import type { UserApiTokenRepository } from '../store/index.ts';
import { hashCredential, idOfUserToken, newUserToken, newUserTokenId } from './credentials.ts';
import type { UserDirectory } from './types.ts';

export interface CreateUserTokenOptions {
  userName: string;
  ttlSeconds?: number | undefined;
  description?: string | undefined;
  /** Who asked, for the audit log. */
  actor: string;
}

export interface CreatedUserToken {
  id: string;
  /** `rpu_…`: shown once; only its hash is stored. */
  token: string;
  userName: string;
  expiresAt: number;
}

export interface AuthenticatedUserToken {
  id: string;
  userName: string;
  expiresAt: number;
}

export interface UserTokenDeps {
  repository: UserApiTokenRepository;
  users: UserDirectory;
  events: EventSink;
  clock: Clock;
  defaultTtlSeconds: number;
}

const MAX_TTL_SECONDS = 365 * 86400;

/** User API tokens (`rpu_…`): how the CLI acts as its signed-in user. */
export function createUserTokens(deps: UserTokenDeps) {
  return {
    async create(options: CreateUserTokenOptions): Promise<CreatedUserToken> {
      const ttl = options.ttlSeconds ?? deps.defaultTtlSeconds;
      if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_TTL_SECONDS) throw invalidInput(`ttl must be a whole number of seconds between 60 and ${MAX_TTL_SECONDS}`);
      const user = await deps.users.findUser(options.userName);
      if (user === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user named ${options.userName}`);
      const now = deps.clock.now();
      const id = newUserTokenId();
      const token = newUserToken(id);
      const expiresAt = now + ttl * 1000;
      await deps.repository.insert({
        id,
        user_name: user.username,
        token_hash: hashCredential(token),
        description: options.description ?? null,
        created_at: now,
        created_by: options.actor,
        expires_at: expiresAt,
        revoked_at: null,
      });
      await deps.events.commit({ type: 'user_token.created', actor: options.actor, occurredAt: now, userName: user.username, expiresAt, details: { token_id: id, description: options.description } });
      return { id, token, userName: user.username, expiresAt };
    },

    /** The token's user, or undefined when it is malformed, unknown, expired or revoked. */
    async authenticate(token: string): Promise<AuthenticatedUserToken | undefined> {
      const id = idOfUserToken(token);
      if (id === undefined) return undefined;
      const row = await deps.repository.findById(id);
      if (row === undefined || !constantTimeEqual(hashCredential(token), row.token_hash)) return undefined;
      if (row.revoked_at !== null || row.expires_at <= deps.clock.now()) return undefined;
      return { id: row.id, userName: row.user_name, expiresAt: row.expires_at };
    },

    async revoke(id: string, actor: string): Promise<void> {
      const row = await deps.repository.findById(id);
      if (row === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user token ${id}`);
      const now = deps.clock.now();
      if (await deps.repository.revoke(id, now)) {
        deps.events.record({ type: 'user_token.revoked', actor, occurredAt: now, userName: row.user_name, details: { token_id: id } });
      }
    },
  };
}

export type UserTokens = ReturnType<typeof createUserTokens>;
