import type { Insertable, Kysely, Selectable } from 'kysely';
import { createBulkInsertSkippingDuplicates } from '../bulk-insert.ts';
import type { Database, StsCredentialTable } from '../schema.ts';
import type { CompanionTable } from './audit-events.ts';

export type StsCredentialRow = Selectable<StsCredentialTable>;
export type NewStsCredentialRow = Insertable<StsCredentialTable>;

/** Temporary credentials issued by the local STS, keyed by access key ID. */
const COLUMNS = [
  'access_key_id',
  'secret_sealed',
  'session_token_hash',
  'principal_arn',
  'role_arn',
  'role_id',
  'session_name',
  'source_identity',
  'subject',
  'provider',
  'audience',
  'session_tags',
  'transitive_tag_keys',
  'chained',
  'parent_access_key_id',
  'issued_at',
  'expires_at',
] as const satisfies ReadonlyArray<keyof StsCredentialTable>;

// 17 parameters a row: 200 rows stay under SQLite's and PostgreSQL's limits on bound parameters.
const MAX_ROWS_PER_STATEMENT = 200;

export function createStsCredentialRepository(db: Kysely<Database>) {
  const bulkInsert = createBulkInsertSkippingDuplicates(db, 'sts_credentials', COLUMNS, 'access_key_id', MAX_ROWS_PER_STATEMENT);
  return {
    async insert(row: NewStsCredentialRow): Promise<void> {
      await db.insertInto('sts_credentials').values(row).execute();
    },
    /**
     * One statement for many rows: the STS commits concurrent issues together. A row whose
     * access key ID exists is skipped, not an error for the whole batch; resolves to the IDs inserted.
     */
    insertMany(rows: readonly NewStsCredentialRow[]): Promise<ReadonlySet<string>> {
      return bulkInsert(rows);
    },
    /**
     * The table as an audit companion (audit-writer.ts `commitWith`): issued credentials and
     * their `sts.role_assumed` row commit in one transaction, or neither does. A row whose access
     * key ID is taken is skipped, and so is its event; of two rows of one batch with the same ID,
     * the first goes in.
     */
    asCompanion: {
      async insertMany(rows, trx) {
        const inserted = new Set(await bulkInsert(rows, trx));
        const positions = new Set<number>();
        rows.forEach((row, position) => {
          if (inserted.delete(row.access_key_id)) positions.add(position);
        });
        return positions;
      },
    } satisfies CompanionTable<NewStsCredentialRow>,
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
