import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, SessionTable } from '../schema.ts';
import type { AccessChanges } from '../access-changes.ts';

export type SessionRow = Selectable<SessionTable>;
export type NewSessionRow = Insertable<SessionTable>;

export interface SessionListQuery {
  userName?: string | undefined;
  state?: SessionTable['state'] | undefined;
  limit?: number | undefined;
  /** Keyset paging: only sessions listed after this one (newest first: older, or as old with a smaller id). */
  after?: { createdAt: number; id: string } | undefined;
}

/** Sessions; ending, revoking or changing the roles of one is noted in the access-change log in the same transaction. */
export function createSessionRepository(db: Kysely<Database>, changes: Pick<AccessChanges, 'record' | 'announce'>) {
  /** Runs `update` and, when it changed the row, records the change in the same transaction and announces it after the commit. */
  const changeSession = async (id: string, update: (trx: Kysely<Database>) => Promise<{ numUpdatedRows: bigint }>): Promise<boolean> => {
    const change = await db.transaction().execute(async (trx) => (Number((await update(trx)).numUpdatedRows) > 0 ? changes.record(trx, { sessionId: id }) : undefined));
    if (change !== undefined) changes.announce(change);
    return change !== undefined;
  };

  return {
    async insert(row: NewSessionRow): Promise<void> {
      await db.insertInto('sessions').values(row).execute();
    },
    async findById(id: string): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async list(query: SessionListQuery = {}): Promise<SessionRow[]> {
      let select = db.selectFrom('sessions').selectAll();
      if (query.userName !== undefined) select = select.where('user_name', '=', query.userName);
      if (query.state !== undefined) select = select.where('state', '=', query.state);
      const after = query.after;
      if (after !== undefined) {
        select = select.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
      }
      return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 500).execute();
    },
    /**
     * Moves an active session to `state`. The `state = 'active'` guard makes concurrent
     * end/revoke calls race safely: exactly one of them changes the row.
     * @returns whether this call changed it.
     */
    async finish(id: string, state: 'ended' | 'revoked', at: number, by: string): Promise<boolean> {
      return changeSession(id, (trx) => trx.updateTable('sessions').set({ state, ended_at: at, ended_by: by }).where('id', '=', id).where('state', '=', 'active').executeTakeFirst());
    },
    /** Replaces the roles of an active session; returns whether it was active. */
    async setRoles(id: string, roles: string): Promise<boolean> {
      return changeSession(id, (trx) => trx.updateTable('sessions').set({ roles }).where('id', '=', id).where('state', '=', 'active').executeTakeFirst());
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
