import type { Kysely, Selectable } from 'kysely';
import type { Database, UserSsoTokenTable } from '../schema.ts';

export type UserSsoTokenRow = Selectable<UserSsoTokenTable>;

/**
 * The IdP's tokens per user, sealed by the caller. Refresh reads and writes them inside the
 * per-user lock (see `withLock`), over the lock's transaction.
 */
export function createUserSsoTokenRepository(db: Kysely<Database>) {
  return {
    async get(userId: string): Promise<UserSsoTokenRow | undefined> {
      return db.selectFrom('user_sso_tokens').selectAll().where('user_id', '=', userId).executeTakeFirst();
    },
    /** Inserts or replaces the user's tokens. */
    async put(row: UserSsoTokenRow): Promise<void> {
      const { user_id: _userId, ...values } = row;
      await db
        .insertInto('user_sso_tokens')
        .values(row)
        .onConflict((conflict) => conflict.column('user_id').doUpdateSet(values))
        .execute();
    },
  };
}

export type UserSsoTokenRepository = ReturnType<typeof createUserSsoTokenRepository>;
