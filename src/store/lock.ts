import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Runs `work` inside a transaction that holds the named lock. The lock is a row that the
 * transaction updates first: PostgreSQL then holds a row lock until commit, and SQLite
 * holds its single writer lock — one mechanism, both databases, any number of replicas.
 */
export async function withLock<T>(
  db: Kysely<Database>,
  name: string,
  holder: string,
  now: number,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('locks')
      .values({ name, holder, locked_at: now })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    await trx.updateTable('locks').set({ holder, locked_at: now }).where('name', '=', name).execute();
    return work(trx);
  });
}
