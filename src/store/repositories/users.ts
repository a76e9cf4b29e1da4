import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, UserRoleTable, UserTable } from '../schema.ts';

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserRowPatch = Omit<Updateable<UserTable>, 'id' | 'created_at' | 'created_by'>;
export type RoleSource = UserRoleTable['source'];

/** One assigned role, in the order it was given. */
export interface UserRoleRecord {
  arn: string;
  source: RoleSource;
  assignedAt: number;
}

/** A user row with its roles. */
export interface UserWithRoles extends UserRow {
  roles: UserRoleRecord[];
}

/**
 * Users and their roles. `transaction` runs several calls atomically (a role replacement
 * is a delete plus inserts); inside it, use only the repository it hands over.
 */
export interface UserRepository {
  findByUsername(username: string): Promise<UserWithRoles | undefined>;
  findById(id: string): Promise<UserWithRoles | undefined>;
  /** The user an IdP identity is bound to, if any. */
  findBySubject(issuer: string, subject: string): Promise<UserWithRoles | undefined>;
  list(): Promise<UserWithRoles[]>;
  count(): Promise<number>;
  insert(row: NewUserRow): Promise<void>;
  update(id: string, patch: UserRowPatch): Promise<void>;
  /** Deletes the user; their roles, SSO tokens and browser sessions go with them (foreign keys cascade). */
  delete(id: string): Promise<void>;
  /** Replaces every role of the user with `arns`, all from `source`, in the given order. */
  replaceRoles(userId: string, arns: readonly string[], source: RoleSource, now: number): Promise<void>;
  /** Removes the roles that came from one source, keeping the others. */
  removeRolesFrom(userId: string, source: RoleSource): Promise<void>;
  /** Runs `work` in one transaction; inside it, use only the repository handed over. */
  transaction<T>(work: (repository: UserRepository) => Promise<T>): Promise<T>;
}

export function createUserRepository(db: Kysely<Database>): UserRepository {
  const rolesOf = async (userIds: readonly string[]): Promise<Map<string, UserRoleRecord[]>> => {
    const byUser = new Map<string, UserRoleRecord[]>();
    if (userIds.length === 0) return byUser;
    const rows = await db
      .selectFrom('user_roles')
      .selectAll()
      .where('user_id', 'in', [...userIds])
      .orderBy('user_id')
      .orderBy('position')
      .execute();
    for (const row of rows) {
      const list = byUser.get(row.user_id) ?? [];
      list.push({ arn: row.role_arn, source: row.source, assignedAt: row.assigned_at });
      byUser.set(row.user_id, list);
    }
    return byUser;
  };

  const withRoles = async (row: UserRow | undefined): Promise<UserWithRoles | undefined> => {
    if (row === undefined) return undefined;
    return { ...row, roles: (await rolesOf([row.id])).get(row.id) ?? [] };
  };

  return {
    async findByUsername(username: string): Promise<UserWithRoles | undefined> {
      return withRoles(await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst());
    },
    async findById(id: string): Promise<UserWithRoles | undefined> {
      return withRoles(await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst());
    },
    async findBySubject(issuer: string, subject: string): Promise<UserWithRoles | undefined> {
      return withRoles(
        await db.selectFrom('users').selectAll().where('subject', '=', subject).where('idp_issuer', '=', issuer).executeTakeFirst(),
      );
    },
    async list(): Promise<UserWithRoles[]> {
      const rows = await db.selectFrom('users').selectAll().orderBy('username').execute();
      const roles = await rolesOf(rows.map((row) => row.id));
      return rows.map((row) => ({ ...row, roles: roles.get(row.id) ?? [] }));
    },
    async count(): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async insert(row: NewUserRow): Promise<void> {
      await db.insertInto('users').values(row).execute();
    },
    async update(id: string, patch: UserRowPatch): Promise<void> {
      await db.updateTable('users').set(patch).where('id', '=', id).execute();
    },
    async delete(id: string): Promise<void> {
      await db.deleteFrom('users').where('id', '=', id).execute();
    },
    async replaceRoles(userId: string, arns: readonly string[], source: RoleSource, now: number): Promise<void> {
      await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
      if (arns.length === 0) return;
      await db
        .insertInto('user_roles')
        .values(arns.map((arn, position) => ({ user_id: userId, role_arn: arn, source, position, assigned_at: now })))
        .execute();
    },
    async removeRolesFrom(userId: string, source: RoleSource): Promise<void> {
      await db.deleteFrom('user_roles').where('user_id', '=', userId).where('source', '=', source).execute();
    },
    async transaction(work) {
      return db.transaction().execute((trx) => work(createUserRepository(trx)));
    },
  };
}
