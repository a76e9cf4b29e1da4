/**
 * Temporary credentials: issued by the AssumeRole* calls, stored so that they survive a
 * restart (the secret sealed — SigV4 verification needs it back — the session token only
 * hashed), and looked up again when a signed request arrives.
 *
 * Who signs a request is a {@link StsCaller}: a role session holding temporary `ASIA…`
 * credentials from this module, or a registered principal with a long-term `AKIA…` key
 * (principals.ts) — an IAM user, or a role standing for an IAM Identity Center permission
 * set, whose callers are sessions of that role. Both are found through an
 * {@link AccessKeyDirectory}, so signature verification does not care which.
 */
import { constantTimeEqual, sha256Hex, type AuditEvent, type Clock } from '../core/index.ts';
import type { PolicyDocument } from '../policy/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { StsCredentialRow } from '../store/index.ts';
import { assumedRoleArn, type RoleArn } from '../iam/index.ts';
import { newSecretAccessKey, newSessionToken, newTemporaryAccessKeyId, roleIdFor } from './ids.ts';

/** An identity-based policy attached to a principal or a role: its name and its parsed document. */
export interface IdentityPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

/** A role session: the holder of temporary credentials, or a principal standing for a role. */
export interface AssumedRoleCaller {
  readonly kind: 'assumed-role';
  /** `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` */
  readonly arn: string;
  /** `AROA…:SESSION` */
  readonly userId: string;
  readonly account: string;
  readonly accessKeyId: string;
  /** The role's ARN, path included (`aws:PrincipalArn`). */
  readonly roleArn: string;
  readonly sessionName: string;
  readonly sourceIdentity: string | undefined;
  readonly sessionTags: Readonly<Record<string, string>>;
  readonly transitiveTagKeys: readonly string[];
  /** Epoch ms; undefined for a principal's long-term key. */
  readonly expiresAt: number | undefined;
  /**
   * The session's identity policies when the caller is a registered principal; undefined
   * for temporary credentials, whose identity policies are the role's permission policies in
   * the registry (read at each call, so a change applies to sessions already issued).
   */
  readonly identityPolicies: readonly IdentityPolicy[] | undefined;
}

/** An IAM user signing with its long-term access key. */
export interface UserCaller {
  readonly kind: 'user';
  /** `arn:aws:iam::ACCOUNT:user/[PATH/]NAME` */
  readonly arn: string;
  /** `AIDA…` */
  readonly userId: string;
  readonly account: string;
  readonly accessKeyId: string;
  readonly userName: string;
  readonly identityPolicies: readonly IdentityPolicy[];
}

/** Whoever signed a request. */
export type StsCaller = AssumedRoleCaller | UserCaller;

/**
 * What SigV4 verification signs with: the secret itself (temporary credentials, whose
 * secret is sealed at rest), or only `SHA-256("AWS4" + secret)` for long-term keys whose
 * secret is long enough that HMAC hashes that first key itself (RFC 2104 §2).
 */
export type SigningSecret = { readonly kind: 'secret'; readonly secretAccessKey: string } | { readonly kind: 'key-hash'; readonly keyHash: Uint8Array };

/** What signature verification needs to know about an access key. */
export interface AccessKeyRecord {
  readonly signingSecret: SigningSecret;
  /** SHA-256 (hex) of the session token temporary credentials must present; undefined for long-term keys. */
  readonly sessionTokenHash: string | undefined;
  /** Epoch ms; undefined for long-term keys. */
  readonly expiresAt: number | undefined;
  readonly caller: StsCaller;
}

/** Finds the secret and the identity behind an access key ID. */
export interface AccessKeyDirectory {
  find(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
}

/** A session token presented with a request matches the stored hash. */
export function sessionTokenMatches(record: AccessKeyRecord, presented: string | undefined): boolean {
  if (record.sessionTokenHash === undefined) return presented === undefined;
  return presented !== undefined && constantTimeEqual(sha256Hex(presented), record.sessionTokenHash);
}

export interface IssueCredentialsInput {
  role: { arn: RoleArn };
  sessionName: string;
  durationSeconds: number;
  sourceIdentity: string | undefined;
  subject: string | undefined;
  provider: string | undefined;
  audience: string | undefined;
  sessionTags: Readonly<Record<string, string>>;
  transitiveTagKeys: readonly string[];
  chained: boolean;
  parentAccessKeyId: string | undefined;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms. */
  expiresAt: number;
  assumedRoleArn: string;
  assumedRoleId: string;
}

/** A stored credential, as the `sts_credentials` table holds it. */
export type CredentialRow = StsCredentialRow;

/** The rows the credential store reads and writes (the store's `sts_credentials` repository). */
export interface CredentialStorage {
  /**
   * Stores the row and its audit event in one transaction (the audit writer's group commit:
   * requests issuing at once share it): resolves true once both are committed, false when the
   * access key ID was already taken — then neither is written. Committed means durable and
   * visible to other replicas before the caller sees the credentials.
   */
  insertWithEvent(row: CredentialRow, event: AuditEvent): Promise<boolean>;
  find(accessKeyId: string): Promise<CredentialRow | undefined>;
  purgeExpired(before: number): Promise<number>;
}

export interface CredentialStore extends AccessKeyDirectory {
  /** Issues credentials; `auditEvent` describes them for the audit row they commit with. */
  issue(input: IssueCredentialsInput, auditEvent: (issued: IssuedCredentials) => AuditEvent): Promise<IssuedCredentials>;
  /** Forgets credentials that expired more than `retainMs` ago; they then read as unknown instead of expired. */
  purgeExpired(): Promise<number>;
}

/** Expired credentials are kept a day, so that their use is told "expired" rather than "invalid". */
const RETAIN_EXPIRED_MS = 24 * 3600 * 1000;

function secretAssociatedData(accessKeyId: string): string {
  return `sts_credentials:${accessKeyId}:secret`;
}

/** Draws of a fresh access key ID before giving up; a second collision is already beyond belief. */
const MAX_ID_DRAWS = 3;

export function createCredentialStore(options: { storage: CredentialStorage; sealer: Sealer; clock: Clock }): CredentialStore {
  const { storage, sealer, clock } = options;
  return {
    async issue(input, auditEvent) {
      const issuedAt = clock.now();
      // AWS's Expiration has whole seconds.
      const expiresAt = Math.floor(issuedAt / 1000) * 1000 + input.durationSeconds * 1000;
      const roleId = roleIdFor(input.role.arn.arn);
      const principalArn = assumedRoleArn(input.role.arn, input.sessionName);
      for (let draw = 1; draw <= MAX_ID_DRAWS; draw++) {
        const accessKeyId = newTemporaryAccessKeyId(issuedAt);
        const secretAccessKey = newSecretAccessKey();
        const sessionToken = newSessionToken();
        const issued = { accessKeyId, secretAccessKey, sessionToken, expiresAt, assumedRoleArn: principalArn, assumedRoleId: `${roleId}:${input.sessionName}` };
        const row = {
          access_key_id: accessKeyId,
          secret_sealed: sealer.seal(secretAccessKey, secretAssociatedData(accessKeyId)),
          session_token_hash: sha256Hex(sessionToken),
          principal_arn: principalArn,
          role_arn: input.role.arn.arn,
          role_id: roleId,
          session_name: input.sessionName,
          source_identity: input.sourceIdentity ?? null,
          subject: input.subject ?? null,
          provider: input.provider ?? null,
          audience: input.audience ?? null,
          session_tags: JSON.stringify(input.sessionTags),
          transitive_tag_keys: JSON.stringify(input.transitiveTagKeys),
          chained: input.chained ? 1 : 0,
          parent_access_key_id: input.parentAccessKeyId ?? null,
          issued_at: issuedAt,
          expires_at: expiresAt,
        };
        // Another issue (here or on a replica) took the ID first: draw again.
        if (await storage.insertWithEvent(row, auditEvent(issued))) return issued;
      }
      throw new Error(`no free access key ID after ${MAX_ID_DRAWS} draws`);
    },
    async find(accessKeyId) {
      // Only temporary credentials live here; long-term AKIA keys need no database round trip.
      if (!accessKeyId.startsWith('ASIA')) return undefined;
      const row = await storage.find(accessKeyId);
      if (row === undefined) return undefined;
      const account = row.role_arn.split(':')[4] ?? '';
      return {
        signingSecret: { kind: 'secret', secretAccessKey: sealer.openText(row.secret_sealed, secretAssociatedData(row.access_key_id)) },
        sessionTokenHash: row.session_token_hash,
        expiresAt: row.expires_at,
        caller: {
          kind: 'assumed-role',
          arn: row.principal_arn,
          userId: `${row.role_id}:${row.session_name}`,
          account,
          accessKeyId: row.access_key_id,
          roleArn: row.role_arn,
          sessionName: row.session_name,
          sourceIdentity: row.source_identity ?? undefined,
          sessionTags: JSON.parse(row.session_tags) as Record<string, string>,
          transitiveTagKeys: JSON.parse(row.transitive_tag_keys) as string[],
          expiresAt: row.expires_at,
          identityPolicies: undefined,
        },
      };
    },
    purgeExpired: () => storage.purgeExpired(clock.now() - RETAIN_EXPIRED_MS),
  };
}
