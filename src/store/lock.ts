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

const processLocks = new Map<string, Promise<unknown>>();

/**
 * A lock held across slow work, such as a call to the IdP. On PostgreSQL it is `withLock`
 * (a row lock in a transaction: every replica waits). On SQLite — one broker process by
 * design — Kysely runs every query on a single connection, so a transaction held across a
 * network call would stall all other queries of the process; an in-process queue per name
 * serializes instead, and `work` runs on the plain connection.
 */
export async function withHeldLock<T>(
  store: { db: Kysely<Database>; dialect: 'sqlite' | 'postgres' },
  name: string,
  holder: string,
  now: number,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (store.dialect === 'postgres') return withLock(store.db, name, holder, now, work);
  const previous = processLocks.get(name) ?? Promise.resolve();
  const run = previous.then(() => work(store.db), () => work(store.db));
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  processLocks.set(name, settled);
  try {
    return await run;
  } finally {
    if (processLocks.get(name) === settled) processLocks.delete(name);
  }
}
