import type { Kysely, Selectable, Insertable } from 'kysely';
import type { Database, SigningKeyTable } from '../schema.ts';

export type SigningKeyRow = Selectable<SigningKeyTable>;
export type NewSigningKeyRow = Insertable<SigningKeyTable>;

export function createSigningKeyRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<SigningKeyRow[]> {
      return db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'asc').execute();
    },
    async insert(row: NewSigningKeyRow): Promise<void> {
      await db.insertInto('signing_keys').values(row).execute();
    },
    async activate(kid: string, at: number): Promise<void> {
      await db.updateTable('signing_keys').set({ state: 'active', activated_at: at }).where('kid', '=', kid).execute();
    },
    async retire(kid: string, at: number, lastTokenExpiresAt: number): Promise<void> {
      await db
        .updateTable('signing_keys')
        .set({ state: 'retired', retired_at: at, last_token_expires_at: lastTokenExpiresAt })
        .where('kid', '=', kid)
        .execute();
    },
    /** Raises (never lowers) the latest expiry of tokens signed by `kid`. */
    async extendLastTokenExpiry(kid: string, expiresAt: number): Promise<void> {
      await db
        .updateTable('signing_keys')
        .set({ last_token_expires_at: expiresAt })
        .where('kid', '=', kid)
        .where('last_token_expires_at', '<', expiresAt)
        .execute();
    },
    async remove(kid: string): Promise<void> {
      await db.deleteFrom('signing_keys').where('kid', '=', kid).execute();
    },
  };
}

export type SigningKeyRepository = ReturnType<typeof createSigningKeyRepository>;
