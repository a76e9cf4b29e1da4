import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, UserCloudTargetTable, UserRoleTable, UserTable } from '../schema.ts';
import type { AccessChange, AccessChanges } from '../access-changes.ts';

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserRowPatch = Omit<Updateable<UserTable>, 'id' | 'created_at' | 'created_by'>;
export type RoleSource = UserRoleTable['source'];
export type CloudName = UserCloudTargetTable['cloud'];

/** One assigned role, in the order it was given. */
export interface UserRoleRecord {
  arn: string;
  source: RoleSource;
  assignedAt: number;
}

/** One granted cloud target, in the order it was given; `target` is its JSON written form. */
export interface UserCloudTargetRecord {
  cloud: CloudName;
  name: string;
  target: string;
  source: RoleSource;
  assignedAt: number;
}

/** A user row with its roles and cloud targets. */
export interface UserWithRoles extends UserRow {
  roles: UserRoleRecord[];
  targets: UserCloudTargetRecord[];
}

/** Another user's grant of a target name, for the check that one name means one target. */
export interface CloudTargetGrant {
  username: string;
  name: string;
  target: string;
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
  /** Replaces every target of one cloud of the user, all from `source`, in the given order. */
  replaceTargets(userId: string, cloud: CloudName, targets: readonly { name: string; target: string }[], source: RoleSource, now: number): Promise<void>;
  /** Removes one cloud's targets that came from one source, keeping the others. */
  removeTargetsFrom(userId: string, cloud: CloudName, source: RoleSource): Promise<void>;
  /** Every user's grants of these target names (of one cloud). */
  findTargetGrants(cloud: CloudName, names: readonly string[]): Promise<CloudTargetGrant[]>;
  /** Runs `work` in one transaction; inside it, use only the repository handed over. */
  transaction<T>(work: (repository: UserRepository) => Promise<T>): Promise<T>;
}

/**
 * Every change to a user — claims, roles, the row itself — is noted in the access-change log
 * in the same transaction, so that brokers drop what they cached about the user's sessions.
 */
export function createUserRepository(db: Kysely<Database>, changes: Pick<AccessChanges, 'record' | 'announce'>, committed?: AccessChange[]): UserRepository {
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

  const targetsOf = async (userIds: readonly string[]): Promise<Map<string, UserCloudTargetRecord[]>> => {
    const byUser = new Map<string, UserCloudTargetRecord[]>();
    if (userIds.length === 0) return byUser;
    const rows = await db.selectFrom('user_cloud_targets').selectAll().where('user_id', 'in', [...userIds]).orderBy('user_id').orderBy('cloud').orderBy('position').execute();
    for (const row of rows) {
      const list = byUser.get(row.user_id) ?? [];
      list.push({ cloud: row.cloud, name: row.name, target: row.target, source: row.source, assignedAt: row.assigned_at });
      byUser.set(row.user_id, list);
    }
    return byUser;
  };

  const withRoles = async (row: UserRow | undefined): Promise<UserWithRoles | undefined> => {
    if (row === undefined) return undefined;
    return { ...row, roles: (await rolesOf([row.id])).get(row.id) ?? [], targets: (await targetsOf([row.id])).get(row.id) ?? [] };
  };

  /**
   * Runs `work` and records that the user changed, in one transaction, announced after it
   * commits. Inside `transaction` (`committed` given) the handed-over repository already runs
   * on one (Kysely has no nested transactions): the outer call announces.
   */
  const changeUser = async (userId: string, work: (trx: Kysely<Database>) => Promise<unknown>, named?: string): Promise<void> => {
    const run = async (trx: Kysely<Database>): Promise<AccessChange | undefined> => {
      await work(trx);
      return changes.record(trx, named === undefined ? { userId } : { userName: named });
    };
    if (committed !== undefined) {
      const change = await run(db);
      if (change !== undefined) committed.push(change);
      return;
    }
    const change = await db.transaction().execute(run);
    if (change !== undefined) changes.announce(change);
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
      const targets = await targetsOf(rows.map((row) => row.id));
      return rows.map((row) => ({ ...row, roles: roles.get(row.id) ?? [], targets: targets.get(row.id) ?? [] }));
    },
    async count(): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async insert(row: NewUserRow): Promise<void> {
      await db.insertInto('users').values(row).execute();
    },
    async update(id: string, patch: UserRowPatch): Promise<void> {
      await changeUser(id, (trx) => trx.updateTable('users').set(patch).where('id', '=', id).execute());
    },
    async delete(id: string): Promise<void> {
      // A deletion is an access change too (cached credentials of the user's sessions must stop
      // at once); it names the user, whose row the deletion removes.
      const row = await db.selectFrom('users').select('username').where('id', '=', id).executeTakeFirst();
      if (row === undefined) return;
      await changeUser(id, (trx) => trx.deleteFrom('users').where('id', '=', id).execute(), row.username);
    },
    async replaceRoles(userId: string, arns: readonly string[], source: RoleSource, now: number): Promise<void> {
      await changeUser(userId, async (trx) => {
        await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
        if (arns.length === 0) return;
        await trx
          .insertInto('user_roles')
          .values(arns.map((arn, position) => ({ user_id: userId, role_arn: arn, source, position, assigned_at: now })))
          .execute();
      });
    },
    async removeRolesFrom(userId: string, source: RoleSource): Promise<void> {
      await changeUser(userId, (trx) => trx.deleteFrom('user_roles').where('user_id', '=', userId).where('source', '=', source).execute());
    },
    async replaceTargets(userId, cloud, targets, source, now): Promise<void> {
      await changeUser(userId, async (trx) => {
        await trx.deleteFrom('user_cloud_targets').where('user_id', '=', userId).where('cloud', '=', cloud).execute();
        if (targets.length === 0) return;
        await trx
          .insertInto('user_cloud_targets')
          .values(targets.map((target, position) => ({ user_id: userId, cloud, name: target.name, target: target.target, source, position, assigned_at: now })))
          .execute();
      });
    },
    async removeTargetsFrom(userId, cloud, source): Promise<void> {
      await changeUser(userId, (trx) => trx.deleteFrom('user_cloud_targets').where('user_id', '=', userId).where('cloud', '=', cloud).where('source', '=', source).execute());
    },
    async findTargetGrants(cloud, names): Promise<CloudTargetGrant[]> {
      if (names.length === 0) return [];
      return db
        .selectFrom('user_cloud_targets')
        .innerJoin('users', 'users.id', 'user_cloud_targets.user_id')
        .select(['users.username as username', 'user_cloud_targets.name as name', 'user_cloud_targets.target as target'])
        .where('user_cloud_targets.cloud', '=', cloud)
        .where('user_cloud_targets.name', 'in', [...names])
        .orderBy('users.username')
        .execute();
    },
    async transaction(work) {
      const committed: AccessChange[] = [];
      const result = await db.transaction().execute((trx) => work(createUserRepository(trx, changes, committed)));
      for (const change of committed) changes.announce(change);
      return result;
    },
  };
}
