import type { Insertable, Kysely, Selectable } from 'kysely';
import type { CliLoginCodeTable, Database } from '../schema.ts';

export type CliLoginCodeRow = Selectable<CliLoginCodeTable>;
export type NewCliLoginCodeRow = Insertable<CliLoginCodeTable>;

export function createCliLoginCodeRepository(db: Kysely<Database>) {
  return {
    /** Stores a code and drops the expired ones, so the table never grows. */
    async insert(row: NewCliLoginCodeRow): Promise<void> {
      await db.deleteFrom('cli_login_codes').where('expires_at', '<', row.created_at).execute();
      await db.insertInto('cli_login_codes').values(row).execute();
    },
    /**
     * Deletes the code and returns it, in one statement: of two concurrent redemptions
     * exactly one gets the row (single use, RFC 6749 §4.1.2).
     */
    async take(codeHash: string): Promise<CliLoginCodeRow | undefined> {
      return db.deleteFrom('cli_login_codes').where('code_hash', '=', codeHash).returningAll().executeTakeFirst();
    },
  };
}

export type CliLoginCodeRepository = ReturnType<typeof createCliLoginCodeRepository>;
