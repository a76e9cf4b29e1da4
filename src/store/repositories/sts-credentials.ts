import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, StsCredentialTable } from '../schema.ts';

export type StsCredentialRow = Selectable<StsCredentialTable>;
export type NewStsCredentialRow = Insertable<StsCredentialTable>;

/** Temporary credentials issued by the local STS, keyed by access key ID. */
export function createStsCredentialRepository(db: Kysely<Database>) {
  return {
    async insert(row: NewStsCredentialRow): Promise<void> {
      await db.insertInto('sts_credentials').values(row).execute();
    },
    /** One statement for many rows: the STS commits concurrent issues together. */
    async insertMany(rows: readonly NewStsCredentialRow[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('sts_credentials').values([...rows]).execute();
    },
    async find(accessKeyId: string): Promise<StsCredentialRow | undefined> {
      return db.selectFrom('sts_credentials').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    },
    async count(): Promise<number> {
      const row = await db.selectFrom('sts_credentials').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Deletes credentials that expired before `before`; returns how many. */
    async purgeExpired(before: number): Promise<number> {
      const result = await db.deleteFrom('sts_credentials').where('expires_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type StsCredentialRepository = ReturnType<typeof createStsCredentialRepository>;
