import { RoleportError, assertSafeText, invalidInput, randomId, type Clock, type EventSink, type Logger } from '../core/index.ts';
import type { RoleSource, UserCloudTargetRecord, UserRepository, UserWithRoles } from '../store/index.ts';
import type { AzureTarget } from '../azure/index.ts';
import type { GcpTarget } from '../gcp/index.ts';
import { readIdentityClaims, type ClaimedTargets, type ClaimNames, type IdentityClaims, type RejectedClaimValue } from './claims.ts';
import { AZURE_TARGETS, GCP_TARGETS, contradictionWithOthers, grantedTargets, parseTargetList, type CloudTargetKind, type GrantedTarget } from './cloud-targets.ts';
import { checkRoleArn } from '../iam/index.ts';

export interface UsersOptions {
  repository: UserRepository;
  clock: Clock;
  events: EventSink;
  logger: Logger;
  claimNames: ClaimNames;
}

/** One role of a user and where it came from. */
export interface UserRole {
  arn: string;
  source: RoleSource;
}

/** A user as the CLI, the web pages and other modules see it. */
export interface UserView {
  id: string;
  username: string;
  displayName: string | null;
  email: string | null;
  groups: string[];
  roleSessionName: string | null;
  roles: UserRole[];
  /** GCP targets (provider, optional service account) the user may pick for a session. */
  gcpTargets: GrantedTarget<GcpTarget>[];
  /** Azure targets (tenant, client ID) the user may pick for a session. */
  azureTargets: GrantedTarget<AzureTarget>[];
  /** Null until the first sign-in binds the user to an IdP identity. */
  idpIssuer: string | null;
  subject: string | null;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  lastSignInAt: number | null;
}

export interface SignInInput {
  /** The IdP's issuer (the ID token's `iss`). */
  issuer: string;
  /** Validated ID-token claims. */
  claims: Readonly<Record<string, unknown>>;
  /** `sign-in` stamps the sign-in time; `refresh` only applies the claims of a refreshed ID token. */
  kind: 'sign-in' | 'refresh';
}

export interface UserService {
  list(): Promise<UserView[]>;
  findByUsername(username: string): Promise<UserView | undefined>;
  findById(id: string): Promise<UserView | undefined>;
  /** The user's roles, in order; throws ERR_NOT_FOUND for an unknown user. */
  getRoles(username: string): Promise<UserRole[]>;
  /**
   * Replaces the user's roles with `arns` (source `cli`), creating the user if they never
   * signed in. Every ARN is validated first; one bad ARN changes nothing.
   */
  setRoleArns(username: string, arns: readonly string[], actor: string): Promise<UserView>;
  /**
   * Replaces the user's GCP targets (source `cli`), creating the user if need be. Each target
   * is its written form (`name=…,provider=…[,service_account=…]`, or an object with those
   * keys); one bad target, a name given twice, or a name another user holds for another
   * service account of the same pool changes nothing (`ERR_INPUT_INVALID`).
   */
  setGcpTargets(username: string, targets: readonly unknown[], actor: string): Promise<UserView>;
  /** The same for Azure targets (`name=…,tenant_id=…,client_id=…[,subject_scope=…]`); a name is one application, tenant and scope. */
  setAzureTargets(username: string, targets: readonly unknown[], actor: string): Promise<UserView>;
  /**
   * Forgets which IdP identity the user is bound to (the IdP changed its issuer, or a demo
   * IdP restarted elsewhere): their next sign-in binds them again. Roles and sessions stay.
   * @throws ERR_NOT_FOUND for an unknown user.
   */
  unbind(username: string, actor: string): Promise<UserView>;
  /**
   * Deletes the user with their roles, stored IdP tokens and browser sign-ins. Their
   * sessions' agents get no new token from then on (the sessions module finds no user).
   * @throws ERR_NOT_FOUND for an unknown user.
   */
  remove(username: string, actor: string): Promise<UserView>;
  /**
   * Creates or updates the user an ID token describes and applies its role claim: present,
   * it replaces every role (the IdP is the source of truth); absent, the CLI's roles stay.
   */
  recordSignIn(input: SignInInput): Promise<UserView>;
}

const MAX_RETRIES = 2;

export function createUserService(options: UsersOptions): UserService {
  const { repository, clock, events, logger, claimNames } = options;

  const setRoleArns = async (username: string, arns: readonly string[], actor: string): Promise<UserView> => {
    checkUsername(username);
    const roles = validateRoleArns(arns);
    const now = clock.now();
    const outcome = await retryOnConflict(() =>
      repository.transaction(async (users) => {
        let user = await users.findByUsername(username);
        const created = user === undefined;
        if (user === undefined) await users.insert(newUserRow(username, actor, now));
        else await lockUser(users, user.id, now);
        user = (await users.findByUsername(username))!;
        await users.replaceRoles(user.id, roles, 'cli', now);
        return { created, previous: user.roles, user: (await users.findById(user.id))! };
      }),
    );
    if (outcome.created) events.record({ type: 'user.created', actor, occurredAt: now, userName: username, details: { reason: 'role assignment' } });
    events.record({
      type: 'user.roles_set',
      actor,
      occurredAt: now,
      userName: username,
      details: { source: 'cli', roles: roles, previous: outcome.previous.map(toRole) },
    });
    return toView(outcome.user);
  };

  const setTargets = async <T extends { name: string }>(kind: CloudTargetKind<T>, username: string, values: readonly unknown[], actor: string): Promise<UserView> => {
    checkUsername(username);
    const targets = parseTargetList(kind, values);
    const now = clock.now();
    const outcome = await retryOnConflict(() =>
      repository.transaction(async (users) => {
        const grants = await users.findTargetGrants(kind.cloud, targets.map((target) => target.name));
        for (const target of targets) {
          const problem = contradictionWithOthers(kind, target, grants, username);
          if (problem !== undefined) throw invalidInput(problem);
        }
        let user = await users.findByUsername(username);
        const created = user === undefined;
        if (user === undefined) await users.insert(newUserRow(username, actor, now));
        else await lockUser(users, user.id, now);
        user = (await users.findByUsername(username))!;
        await users.replaceTargets(user.id, kind.cloud, targets.map((target) => ({ name: target.name, target: JSON.stringify(kind.toJson(target)) })), 'cli', now);
        return { created, previous: user.targets, user: (await users.findById(user.id))! };
      }),
    );
    if (outcome.created) events.record({ type: 'user.created', actor, occurredAt: now, userName: username, details: { reason: 'target assignment' } });
    events.record({ type: 'user.targets_set', actor, occurredAt: now, userName: username, details: { cloud: kind.cloud, source: 'cli', targets: targets.map(kind.format), previous: describeTargets(kind, outcome.previous) } });
    return toView(outcome.user);
  };

  /** Applies one cloud's targets claim inside the sign-in transaction, like the role claim; returns what changed and what was dropped. */
  const applyTargetClaim = async <T extends { name: string }>(users: UserRepository, kind: CloudTargetKind<T>, user: UserWithRoles, claimed: ClaimedTargets<T> | undefined, now: number) => {
    const previous = user.targets.filter((record) => record.cloud === kind.cloud);
    if (claimed === undefined) {
      // The IdP stopped sending the claim: the targets it granted go, the CLI's stay.
      if (previous.some((record) => record.source === 'claim')) await users.removeTargetsFrom(user.id, kind.cloud, 'claim');
      return { rejected: [] as RejectedClaimValue[] };
    }
    const grants = await users.findTargetGrants(kind.cloud, claimed.valid.map((target) => target.name));
    const rejected = [...claimed.rejected];
    const kept = claimed.valid.filter((target) => {
      const problem = contradictionWithOthers(kind, target, grants, user.username);
      if (problem !== undefined) rejected.push({ value: kind.format(target), reason: problem });
      return problem === undefined;
    });
    const next = kept.map((target) => ({ name: target.name, target: JSON.stringify(kind.toJson(target)) }));
    const same = previous.length === next.length && previous.every((record, i) => record.source === 'claim' && record.name === next[i]?.name && record.target === next[i]?.target);
    if (!same) await users.replaceTargets(user.id, kind.cloud, next, 'claim', now);
    return { rejected };
  };

  const recordSignIn = async (input: SignInInput): Promise<UserView> => {
    const identity = readIdentityClaims(input.claims, claimNames);
    const now = clock.now();
    const outcome = await retryOnConflict(() => repository.transaction((users) => applyIdentity(users, input, identity, now)));
    const username = outcome.user.username;
    reportRejectedClaims(identity, username);
    const reportTargets = <T extends { name: string }>(kind: CloudTargetKind<T>, claim: string, rejected: readonly RejectedClaimValue[]): void => {
      for (const dropped of rejected) {
        logger.warn({ user: username, claim, value: dropped.value, reason: dropped.reason }, `dropped ${kind.label} target ${JSON.stringify(dropped.value)} from the ${claim} claim of user ${username}: ${dropped.reason}`);
      }
      const before = describeTargets(kind, outcome.previousTargets);
      const after = describeTargets(kind, outcome.user.targets);
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        events.record({ type: 'user.targets_set', actor: username, occurredAt: now, userName: username, subject: identity.subject, details: { cloud: kind.cloud, source: 'claim', claim, via: input.kind, targets: after, previous: before, rejected: rejected.map((r) => r.value) } });
      }
    };
    reportTargets(GCP_TARGETS, claimNames.gcpTargets, outcome.rejectedGcp);
    reportTargets(AZURE_TARGETS, claimNames.azureTargets, outcome.rejectedAzure);
    if (outcome.created) {
      events.record({ type: 'user.created', actor: username, occurredAt: now, userName: username, subject: identity.subject, details: { reason: 'sign-in', issuer: input.issuer } });
    }
    if (input.kind === 'sign-in') {
      // The browser-session cookie is set only once this row is committed.
      await events.commit({
        type: 'user.signed_in',
        actor: username,
        occurredAt: now,
        userName: username,
        subject: identity.subject,
        details: { issuer: input.issuer, roles: outcome.user.roles.map(toRole) },
      });
    }
    if (outcome.rolesChanged) {
      events.record({
        type: 'user.roles_set',
        actor: username,
        occurredAt: now,
        userName: username,
        subject: identity.subject,
        details: {
          source: 'claim',
          claim: claimNames.roleArn,
          via: input.kind,
          roles: outcome.user.roles.map(toRole),
          previous: outcome.previous.map(toRole),
          rejected: identity.roleArns?.rejected.map((r) => r.value) ?? [],
        },
      });
    }
    return toView(outcome.user);
  };

  /** The transactional core of a sign-in: find or bind or create the user, then apply the claims. */
  const applyIdentity = async (users: UserRepository, input: SignInInput, identity: IdentityClaims, now: number) => {
    let user = await users.findBySubject(input.issuer, identity.subject);
    let created = false;
    if (user === undefined) {
      const named = await users.findByUsername(identity.username);
      if (named !== undefined && named.subject !== null) {
        // The name is bound to another IdP identity: signing in would take over that account.
        throw new RoleportError('ERR_SSO_ACCOUNT', `the username ${identity.username} belongs to another identity at the IdP. If the IdP changed its issuer, an admin unbinds the user (the Users page, or roleport users unbind ${identity.username}); otherwise ask an admin`, {
          detail: `bound to ${named.idp_issuer ?? ''} ${named.subject}, sign-in from ${input.issuer} ${identity.subject}`,
        });
      }
      if (named === undefined) {
        if (input.kind === 'refresh') throw new RoleportError('ERR_SSO_ACCOUNT', `no user is bound to the refreshed identity ${identity.subject}`);
        await users.insert({ ...newUserRow(identity.username, 'sso', now), idp_issuer: input.issuer, subject: identity.subject });
        created = true;
      } else {
        await users.update(named.id, { idp_issuer: input.issuer, subject: identity.subject });
      }
      user = (await users.findByUsername(identity.username))!;
    }
    await lockUser(users, user.id, now);
    const previous = (await users.findById(user.id))!.roles;
    await users.update(user.id, {
      display_name: identity.displayName,
      email: identity.email,
      groups: JSON.stringify(identity.groups),
      role_session_name: identity.roleSessionName,
      updated_at: now,
      ...(input.kind === 'sign-in' ? { last_sign_in_at: now } : {}),
    });
    if (identity.roleArns !== undefined) {
      if (!sameRoleList(previous, identity.roleArns.valid.map((arn) => ({ arn, source: 'claim' as const })))) await users.replaceRoles(user.id, identity.roleArns.valid, 'claim', now);
    } else if (previous.some((role) => role.source === 'claim')) {
      // The IdP stopped sending the claim: the roles it granted go, the CLI's stay.
      await users.removeRolesFrom(user.id, 'claim');
    }
    const withTargets = (await users.findById(user.id))!;
    const gcp = await applyTargetClaim(users, GCP_TARGETS, withTargets, identity.gcpTargets, now);
    const azure = await applyTargetClaim(users, AZURE_TARGETS, withTargets, identity.azureTargets, now);
    const updated = (await users.findById(user.id))!;
    return { user: updated, created, previous, previousTargets: withTargets.targets, rejectedGcp: gcp.rejected, rejectedAzure: azure.rejected, rolesChanged: !sameRoleList(previous, updated.roles) };
  };

  const reportRejectedClaims = (identity: IdentityClaims, username: string): void => {
    for (const rejected of identity.roleArns?.rejected ?? []) {
      logger.warn(
        { user: username, claim: claimNames.roleArn, value: rejected.value, reason: rejected.reason },
        `dropped invalid role ARN ${JSON.stringify(rejected.value)} from the ${claimNames.roleArn} claim of user ${username}: ${rejected.reason}`,
      );
    }
    if (identity.rejectedSessionName !== undefined) {
      logger.warn(
        { user: username, claim: claimNames.roleSessionName, value: identity.rejectedSessionName },
        `dropped invalid role session name ${JSON.stringify(identity.rejectedSessionName)} from the ${claimNames.roleSessionName} claim of user ${username}: needs 2-64 characters of letters, digits and +=,.@_-`,
      );
    }
  };

  const existing = async (users: UserRepository, username: string): Promise<UserWithRoles> => {
    const user = await users.findByUsername(username);
    if (user === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user named ${username}`);
    return user;
  };

  const unbind = async (username: string, actor: string): Promise<UserView> => {
    const now = clock.now();
    const { before, after } = await repository.transaction(async (users) => {
      const user = await existing(users, username);
      await users.update(user.id, { idp_issuer: null, subject: null, updated_at: now });
      return { before: user, after: (await users.findById(user.id))! };
    });
    events.record({ type: 'user.unbound', actor, occurredAt: now, userName: username, details: { issuer: before.idp_issuer, subject: before.subject } });
    return toView(after);
  };

  const remove = async (username: string, actor: string): Promise<UserView> => {
    const now = clock.now();
    const removed = await repository.transaction(async (users) => {
      const user = await existing(users, username);
      await users.delete(user.id);
      return user;
    });
    events.record({ type: 'user.deleted', actor, occurredAt: now, userName: username, details: { issuer: removed.idp_issuer, subject: removed.subject, roles: removed.roles.map(toRole) } });
    return toView(removed);
  };

  return {
    list: async () => (await repository.list()).map(toView),
    findByUsername: async (username) => {
      const user = await repository.findByUsername(username);
      return user === undefined ? undefined : toView(user);
    },
    findById: async (id) => {
      const user = await repository.findById(id);
      return user === undefined ? undefined : toView(user);
    },
    getRoles: async (username) => {
      const user = await repository.findByUsername(username);
      if (user === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user named ${username}`);
      return user.roles.map(toRole);
    },
    setRoleArns,
    setGcpTargets: (username, targets, actor) => setTargets(GCP_TARGETS, username, targets, actor),
    setAzureTargets: (username, targets, actor) => setTargets(AZURE_TARGETS, username, targets, actor),
    unbind,
    remove,
    recordSignIn,
  };
}

/**
 * Splits the CLI's comma-separated list (spaces around commas allowed). An empty list clears
 * the user's roles.
 */
export function parseRoleArnList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** Validates every ARN and throws one ERR_INPUT_INVALID naming all the bad ones. */
export function validateRoleArns(arns: readonly string[]): string[] {
  const problems: string[] = [];
  const unique: string[] = [];
  for (const arn of arns) {
    const check = checkRoleArn(arn);
    if (!check.ok) problems.push(`${JSON.stringify(arn)}: ${check.reason}`);
    else if (!unique.includes(arn)) unique.push(arn);
  }
  if (problems.length > 0) throw invalidInput(`invalid role ARN ${problems.join('; ')}`);
  return unique;
}

/**
 * Updates the user's row first thing in a transaction: PostgreSQL then holds its row lock
 * until commit (SQLite serializes writers anyway), so two concurrent role replacements of one
 * user run one after the other instead of colliding on the role rows.
 */
async function lockUser(users: UserRepository, id: string, now: number): Promise<void> {
  await users.update(id, { updated_at: now });
}

function checkUsername(username: string): void {
  if (username.trim().length === 0 || username !== username.trim()) throw invalidInput('username must be non-empty, without leading or trailing spaces');
  assertSafeText('username', username, { maxLength: 255 });
}

function newUserRow(username: string, createdBy: string, now: number) {
  return {
    id: `usr_${randomId(12)}`,
    username,
    idp_issuer: null,
    subject: null,
    display_name: null,
    email: null,
    groups: '[]',
    role_session_name: null,
    created_at: now,
    created_by: createdBy,
    updated_at: now,
    last_sign_in_at: null,
  };
}

function sameRoleList(a: readonly { arn: string; source: RoleSource }[], b: readonly { arn: string; source: RoleSource }[]): boolean {
  return a.length === b.length && a.every((role, i) => role.arn === b[i]?.arn && role.source === b[i]?.source);
}

function toRole(role: { arn: string; source: RoleSource }): UserRole {
  return { arn: role.arn, source: role.source };
}

function toView(user: UserWithRoles): UserView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    email: user.email,
    groups: JSON.parse(user.groups) as string[],
    roleSessionName: user.role_session_name,
    roles: user.roles.map(toRole),
    gcpTargets: grantedTargets(GCP_TARGETS, user.targets),
    azureTargets: grantedTargets(AZURE_TARGETS, user.targets),
    idpIssuer: user.idp_issuer,
    subject: user.subject,
    createdAt: user.created_at,
    createdBy: user.created_by,
    updatedAt: user.updated_at,
    lastSignInAt: user.last_sign_in_at,
  };
}

/** One cloud's targets of a grant list in their written form with their source, for the audit log. */
function describeTargets<T extends { name: string }>(kind: CloudTargetKind<T>, records: readonly UserCloudTargetRecord[]): string[] {
  return grantedTargets(kind, records).map((target) => `${kind.format(target)} (${target.source})`);
}

/** Two first sign-ins (or CLI calls) racing to create one user: the loser retries and finds it. */
async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= MAX_RETRIES || !isUniqueViolation(error)) throw error;
    }
  }
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || /UNIQUE constraint failed/.test(error.message);
}
