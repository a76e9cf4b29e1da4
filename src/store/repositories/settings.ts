import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export function createSettingRepository(db: Kysely<Database>) {
  return {
    async get(name: string): Promise<string | undefined> {
      const row = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
      return row?.value;
    },
    /** Sets the value only if none exists; returns the value that is stored afterwards. */
    async setIfAbsent(name: string, value: string, now: number): Promise<string> {
      await db
        .insertInto('settings')
        .values({ name, value, updated_at: now })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .execute();
      const stored = await this.get(name);
      if (stored === undefined) throw new Error(`setting ${name} vanished after insert`);
      return stored;
    },
  };
}

export type SettingRepository = ReturnType<typeof createSettingRepository>;
