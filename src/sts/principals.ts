/**
 * Principals with long-term keys: IAM users, and roles standing for an IAM Identity Center
 * permission set (`arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/…/AWSReservedSSO_NAME_…`),
 * each with the identity policies an admin attached (`roleport sts user add --policy FILE`).
 * They sign AssumeRole and GetCallerIdentity with an `AKIA…` key pair that is shown once.
 *
 * A permission set's users hold credentials of a session of that role, so a role principal
 * calls as `arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_…/SESSION`, and its AssumeRole is
 * role chaining (capped at one hour), exactly as with real IAM Identity Center credentials.
 *
 * Only `SHA-256("AWS4" + secret)` of a key is kept (sealed, bound to its access key ID):
 * enough to verify SigV4 signatures (see sigv4.ts), never enough to show the secret again.
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
 */
import { RoleportError, invalidInput, type Clock } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { StsPrincipalRow } from '../store/index.ts';
import { assumedRoleArn, isRoleSessionName, parseRoleArn, parseUserArn } from '../iam/index.ts';
import type { AccessKeyDirectory, AccessKeyRecord, IdentityPolicy, StsCaller } from './credentials.ts';
import { newLongTermAccessKeyId, newLongTermSecretAccessKey, roleIdFor, userIdFor } from './ids.ts';
import { signingKeyHash } from './sigv4.ts';
import type { TrustPolicyEngine } from './trust.ts';

/** The session name a role principal calls with when none is given. */
export const DEFAULT_PRINCIPAL_SESSION_NAME = 'roleport';

const POLICY_NAME = /^[\w+=,.@#-]{1,128}$/;
/** IAM's largest inline policy (a permission set's, 32 768 characters); larger is refused as AWS would. */
const MAX_POLICY_CHARACTERS = 32768;

export interface AddPrincipalInput {
  /** `arn:aws:iam::ACCOUNT:user/NAME` or a role ARN (a permission set's role). */
  arn: string;
  /** Identity policies: a name (e.g. the file's) and the JSON text. */
  policies: readonly { name: string; document: string }[];
  /** Role principals only: the session name it calls as (default {@link DEFAULT_PRINCIPAL_SESSION_NAME}). */
  sessionName?: string | undefined;
}

export interface StsPrincipal {
  readonly arn: string;
  readonly kind: 'user' | 'role';
  /** Who requests are made as: the user's ARN, or the role session's ARN. */
  readonly callerArn: string;
  readonly userId: string;
  readonly account: string;
  readonly accessKeyId: string;
  readonly sessionName: string | undefined;
  readonly policies: readonly { readonly name: string; readonly document: string }[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A principal row as the store keeps it (`identity_policies`: JSON array of `{name, document}`, document the policy's JSON text). */
export type PrincipalRow = StsPrincipalRow;

/** The rows the principal registry reads and writes (the store's `sts_principals` repository). */
export interface PrincipalStorage {
  list(): Promise<PrincipalRow[]>;
  findByAccessKeyId(accessKeyId: string): Promise<PrincipalRow | undefined>;
  /** Inserts the row, or on an existing ARN replaces only its policies and session name (the key stays). */
  upsert(row: PrincipalRow, now: number): Promise<'added' | 'updated'>;
  remove(arn: string): Promise<boolean>;
}

export interface AddPrincipalResult {
  change: 'added' | 'updated';
  principal: StsPrincipal;
  /** The new key pair; only when the principal was added — an update keeps the key it has. */
  accessKey: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export interface PrincipalRegistry extends AccessKeyDirectory {
  add(input: AddPrincipalInput): Promise<AddPrincipalResult>;
  list(): Promise<StsPrincipal[]>;
  remove(arn: string): Promise<void>;
}

function keyHashAssociatedData(accessKeyId: string): string {
  return `sts_principals:${accessKeyId}:key-hash`;
}

interface CheckedPrincipal {
  kind: 'user' | 'role';
  account: string;
  sessionName: string | undefined;
}

function checkPrincipal(input: AddPrincipalInput): CheckedPrincipal {
  const user = parseUserArn(input.arn);
  if (user !== undefined) {
    if (input.sessionName !== undefined) throw invalidInput('--session-name is for role principals; an IAM user calls as itself');
    return { kind: 'user', account: user.account, sessionName: undefined };
  }
  const role = parseRoleArn(input.arn);
  if (role === undefined) {
    throw invalidInput(
      `principal ARN ${JSON.stringify(input.arn)} must be an IAM user (arn:aws:iam::123456789012:user/NAME) or a role, e.g. a permission set's arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_NAME_0123456789abcdef`,
    );
  }
  const sessionName = input.sessionName ?? DEFAULT_PRINCIPAL_SESSION_NAME;
  if (!isRoleSessionName(sessionName)) throw invalidInput(`session name ${JSON.stringify(sessionName)} must be 2-64 characters of letters, digits and +=,.@_-`);
  return { kind: 'role', account: role.account, sessionName };
}

function toPrincipal(row: PrincipalRow): StsPrincipal {
  const policies = JSON.parse(row.identity_policies) as Array<{ name: string; document: string }>;
  const base = { arn: row.arn, kind: row.kind, accessKeyId: row.access_key_id, account: row.arn.split(':')[4] ?? '', policies, createdAt: row.created_at, updatedAt: row.updated_at };
  if (row.kind === 'user') return { ...base, callerArn: row.arn, userId: userIdFor(row.arn), sessionName: undefined };
  const session = row.session_name ?? DEFAULT_PRINCIPAL_SESSION_NAME;
  return { ...base, callerArn: assumedRoleArn(parseRoleArn(row.arn)!, session), userId: `${roleIdFor(row.arn)}:${session}`, sessionName: session };
}

export interface PrincipalRegistryOptions {
  storage: PrincipalStorage;
  sealer: Sealer;
  engine: TrustPolicyEngine;
  clock: Clock;
}

export function createPrincipalRegistry(options: PrincipalRegistryOptions): PrincipalRegistry {
  const { storage, sealer, engine, clock } = options;
  /** Parsed identity policies by their JSON text: a signed request must not parse them again. */
  const parsed = new Map<string, IdentityPolicy['document']>();
  const parseCached = (json: string): IdentityPolicy['document'] => {
    let document = parsed.get(json);
    if (document === undefined) {
      document = engine.parseIdentityPolicy(json);
      if (parsed.size >= 256) parsed.clear();
      parsed.set(json, document);
    }
    return document;
  };

  const callerOf = (principal: StsPrincipal, identityPolicies: readonly IdentityPolicy[]): StsCaller => {
    if (principal.kind === 'user') {
      return {
        kind: 'user',
        arn: principal.arn,
        userId: principal.userId,
        account: principal.account,
        accessKeyId: principal.accessKeyId,
        userName: parseUserArn(principal.arn)?.name ?? '',
        identityPolicies,
      };
    }
    return {
      kind: 'assumed-role',
      arn: principal.callerArn,
      userId: principal.userId,
      account: principal.account,
      accessKeyId: principal.accessKeyId,
      roleArn: principal.arn,
      sessionName: principal.sessionName ?? DEFAULT_PRINCIPAL_SESSION_NAME,
      sourceIdentity: undefined,
      sessionTags: {},
      transitiveTagKeys: [],
      expiresAt: undefined,
      identityPolicies,
    };
  };

  return {
    async add(input) {
      const checked = checkPrincipal(input);
      const names = new Set<string>();
      const policies = input.policies.map((policy) => {
        if (!POLICY_NAME.test(policy.name)) throw invalidInput(`policy name ${JSON.stringify(policy.name)} must be 1-128 characters of letters, digits and +=,.@#_-`);
        if (names.has(policy.name)) throw invalidInput(`two identity policies are named ${policy.name}`);
        names.add(policy.name);
        if (policy.document.length > MAX_POLICY_CHARACTERS) throw invalidInput(`identity policy ${policy.name} has ${policy.document.length} characters; IAM allows at most ${MAX_POLICY_CHARACTERS}`);
        try {
          engine.parseIdentityPolicy(policy.document);
        } catch (error) {
          if (error instanceof RoleportError && error.code === 'ERR_POLICY_MALFORMED') throw new RoleportError('ERR_POLICY_MALFORMED', `${policy.name}: ${error.message}`, { cause: error });
          throw error;
        }
        return { name: policy.name, document: policy.document };
      });
      const accessKeyId = newLongTermAccessKeyId();
      const secretAccessKey = newLongTermSecretAccessKey();
      const now = clock.now();
      const row: PrincipalRow = {
        arn: input.arn,
        kind: checked.kind,
        session_name: checked.sessionName ?? null,
        access_key_id: accessKeyId,
        key_hash_sealed: sealer.seal(signingKeyHash(secretAccessKey), keyHashAssociatedData(accessKeyId)),
        identity_policies: JSON.stringify(policies),
        created_at: now,
        updated_at: now,
      };
      const change = await storage.upsert(row, now);
      const principal = toPrincipal(row);
      if (change === 'added') return { change, principal, accessKey: { accessKeyId, secretAccessKey } };
      // An update keeps the stored key: read it back so the answer names the key in use.
      const stored = (await storage.list()).find((candidate) => candidate.arn === input.arn);
      return { change, principal: stored === undefined ? principal : toPrincipal(stored), accessKey: undefined };
    },
    async list() {
      return (await storage.list()).map(toPrincipal);
    },
    async remove(arn) {
      if (!(await storage.remove(arn))) throw new RoleportError('ERR_NOT_FOUND', `no principal is registered with ARN ${arn}`);
    },
    async find(accessKeyId): Promise<AccessKeyRecord | undefined> {
      if (!accessKeyId.startsWith('AKIA')) return undefined;
      const row = await storage.findByAccessKeyId(accessKeyId);
      if (row === undefined) return undefined;
      const principal = toPrincipal(row);
      const identityPolicies = principal.policies.map((policy) => ({ name: policy.name, document: parseCached(policy.document) }));
      return {
        signingSecret: { kind: 'key-hash', keyHash: sealer.open(row.key_hash_sealed, keyHashAssociatedData(row.access_key_id)) },
        sessionTokenHash: undefined,
        expiresAt: undefined,
        caller: callerOf(principal, identityPolicies),
      };
    },
  };
}
