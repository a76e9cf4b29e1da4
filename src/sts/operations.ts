/**
 * The three STS operations, each a short sequence of named steps. They take parameters
 * already checked against the API model (params.ts) and, for signed calls, the
 * authenticated caller (sigv4.ts); they return plain results that xml.ts renders.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
import type { Clock } from '../core/index.ts';
import type { PolicyContext } from '../policy/index.ts';
import {
  assumeRoleContext,
  assumeRoleWithWebIdentityContext,
  checkSessionDuration,
  checkTags,
  federatedPrincipal,
  NO_TAGS,
  packedPolicySize,
  stsError,
  validationError,
  type AssumeRoleParams,
  type AssumeRoleWithWebIdentityParams,
  type CallerContextInput,
} from '../iam/index.ts';
import { assumeRoleDenialMessage, authorizeAssumeRole, formatAssumeRoleDecision } from './assume-role-authorization.ts';
import type { CredentialStore, IdentityPolicy, IssuedCredentials, StsCaller } from './credentials.ts';
import type { StsRegistry, StsRole } from './registry.ts';
import { authorizeTrust, type TrustPolicyEngine, type TrustRequest } from './trust.ts';
import type { VerifyWebIdentityToken } from './web-identity.ts';

/** How the request reached the STS, as the HTTP adapter saw it. */
export interface RequestOrigin {
  /** Whether the request came over TLS (`aws:SecureTransport`). */
  secure: boolean;
  sourceIp: string | undefined;
}

export interface OperationDeps {
  registry: StsRegistry;
  engine: TrustPolicyEngine;
  credentials: CredentialStore;
  verifyToken: VerifyWebIdentityToken;
  clock: Clock;
}

export interface AssumedRoleResult {
  credentials: IssuedCredentials;
  sourceIdentity: string | undefined;
  packedPolicySize: number | undefined;
}

export interface AssumeRoleWithWebIdentityResult extends AssumedRoleResult {
  subjectFromWebIdentityToken: string;
  audience: string;
  /** The OIDC provider's ARN in the role's account, as AWS returns it. */
  provider: string;
}

export interface CallerIdentityResult {
  userId: string;
  account: string;
  arn: string;
}

/**
 * AssumeRole's checks, for the main action and each one that tags and source identity add:
 * identity policies and trust policy together (assume-role-authorization.ts). The first
 * denial is AWS's AccessDenied, naming the action; the explanation stays server-side.
 */
function authorizeAssumeRoleActions(
  engine: TrustPolicyEngine,
  caller: StsCaller,
  role: StsRole,
  identityPolicies: readonly IdentityPolicy[],
  context: PolicyContext,
  actions: readonly string[],
): void {
  const view = { arn: caller.arn, account: caller.account, partition: caller.arn.split(':')[1] ?? 'aws', roleArn: caller.kind === 'assumed-role' ? caller.roleArn : undefined };
  for (const action of actions) {
    const decision = authorizeAssumeRole(engine, { action, caller: view, role: { arn: role.arn.arn, account: role.arn.account }, trustPolicy: role.trustPolicy, identityPolicies, context });
    if (decision.decision !== 'allow') {
      throw stsError('AccessDenied', assumeRoleDenialMessage(caller.arn, action, role.arn.arn), { detail: formatAssumeRoleDecision(decision, (evaluation) => engine.format(evaluation)) });
    }
  }
}

/** Trust-policy checks for the main action plus the ones that tags and source identity add. */
function authorizeAll(engine: TrustPolicyEngine, role: StsRole, base: Omit<TrustRequest, 'action'>, actions: readonly string[]): void {
  for (const action of actions) authorizeTrust(engine, role.trustPolicy, { ...base, action });
}

/** The caller as the request context describes it (src/iam's `callerContext`). */
function callerContextInput(caller: StsCaller): CallerContextInput {
  return caller.kind === 'user'
    ? { kind: 'user', arn: caller.arn, account: caller.account, userId: caller.userId, userName: caller.userName }
    : { kind: 'assumed-role', roleArn: caller.roleArn, account: caller.account, userId: caller.userId, sessionTags: caller.sessionTags, sourceIdentity: caller.sourceIdentity };
}

export function createOperations(deps: OperationDeps) {
  const { registry, engine, credentials, verifyToken, clock } = deps;

  return {
    async assumeRoleWithWebIdentity(params: AssumeRoleWithWebIdentityParams, origin: RequestOrigin): Promise<AssumeRoleWithWebIdentityResult> {
      const identity = await verifyToken(params.webIdentityToken);
      const role = await registry.findRole(params.roleArn.arn);
      if (role === undefined) throw stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', { detail: `no role ${params.roleArn.arn} is registered` });
      const durationSeconds = checkSessionDuration(params.durationSeconds, role.maxSessionDurationSeconds, false);
      if (params.policy !== undefined) engine.parseSessionPolicy(params.policy);

      const providerArn = federatedPrincipal(identity.provider.prefix, role.arn.partition, role.arn.account);
      const now = clock.now();
      const context = assumeRoleWithWebIdentityContext({
        origin: { secureTransport: origin.secure, sourceIp: origin.sourceIp, now },
        roleTags: role.tags,
        provider: { prefix: identity.provider.prefix, principal: providerArn },
        claims: identity,
        roleSessionName: params.roleSessionName,
      });
      const actions = ['sts:AssumeRoleWithWebIdentity'];
      if (identity.sessionTags !== undefined) actions.push('sts:TagSession');
      if (identity.sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
      authorizeAll(engine, role, { principal: { federated: providerArn }, resource: role.arn.arn, context }, actions);

      const tags = identity.sessionTags ?? NO_TAGS;
      const packed = packedPolicySize(params.policy, tags.tags);
      // The credentials and their audit row commit together, before the credentials leave.
      const issued = await credentials.issue(
        {
          role,
          sessionName: params.roleSessionName,
          durationSeconds,
          sourceIdentity: identity.sourceIdentity,
          subject: identity.subject,
          provider: providerArn,
          audience: identity.audience,
          sessionTags: tags.tags,
          transitiveTagKeys: tags.transitiveTagKeys,
          chained: false,
          parentAccessKeyId: undefined,
        },
        (credential) => ({
          type: 'sts.role_assumed',
          actor: identity.subject,
          occurredAt: now,
          jti: identity.jti,
          kid: identity.kid,
          subject: identity.subject,
          audience: identity.audience,
          roleArn: role.arn.arn,
          expiresAt: credential.expiresAt,
          details: { action: 'AssumeRoleWithWebIdentity', accessKeyId: credential.accessKeyId, sessionName: params.roleSessionName, provider: providerArn, sourceIdentity: identity.sourceIdentity },
        }),
      );
      return {
        credentials: issued,
        sourceIdentity: identity.sourceIdentity,
        packedPolicySize: packed,
        subjectFromWebIdentityToken: identity.subject,
        audience: identity.audience,
        provider: providerArn,
      };
    },

    async assumeRole(caller: StsCaller, params: AssumeRoleParams, origin: RequestOrigin): Promise<AssumedRoleResult> {
      const role = await registry.findRole(params.roleArn.arn);
      // AWS answers a role that does not exist like one the caller may not assume.
      if (role === undefined) {
        throw stsError('AccessDenied', assumeRoleDenialMessage(caller.arn, 'sts:AssumeRole', params.roleArn.arn), { detail: `no role ${params.roleArn.arn} is registered` });
      }
      // A role session assuming a role is role chaining — temporary credentials of the local
      // STS, and a principal standing for a permission set (IAM Identity Center credentials
      // are role sessions too). An IAM user's long-term key is not.
      const chained = caller.kind === 'assumed-role';
      const durationSeconds = checkSessionDuration(params.durationSeconds, role.maxSessionDurationSeconds, chained);
      if (params.policy !== undefined) engine.parseSessionPolicy(params.policy);

      // A source identity, once set, follows the chain and cannot change.
      const callerSourceIdentity = caller.kind === 'assumed-role' ? caller.sourceIdentity : undefined;
      if (callerSourceIdentity !== undefined && params.sourceIdentity !== undefined && params.sourceIdentity !== callerSourceIdentity) {
        throw validationError([{ member: 'sourceIdentity', shown: `'${params.sourceIdentity}'`, constraint: `SourceIdentity cannot be changed once set (the calling session has '${callerSourceIdentity}')` }]);
      }
      const sourceIdentity = callerSourceIdentity ?? params.sourceIdentity;

      // Transitive tags of the calling session carry over and cannot be overridden.
      const inherited: Record<string, string> = {};
      if (caller.kind === 'assumed-role') {
        for (const key of caller.transitiveTagKeys) {
          const value = caller.sessionTags[key];
          if (value !== undefined) inherited[key] = value;
        }
      }
      const requested: Record<string, string> = {};
      for (const { key, value } of params.tags) {
        if (Object.keys(inherited).some((name) => name.toLowerCase() === key.toLowerCase())) {
          throw stsError('ValidationError', `Tag key ${key} is a transitive tag of the calling session and cannot be set again.`);
        }
        requested[key] = value;
      }
      for (const key of params.transitiveTagKeys) {
        if (!(key in requested)) throw stsError('ValidationError', `Transitive tag key ${key} is not among the session tags passed in Tags.`);
      }
      const tags = { ...inherited, ...requested };
      checkTags(tags, (reason) => stsError('ValidationError', `Invalid session tags: ${reason}`));
      const transitiveTagKeys = [...new Set([...Object.keys(inherited), ...params.transitiveTagKeys])];

      const now = clock.now();
      const context = assumeRoleContext({
        origin: { secureTransport: origin.secure, sourceIp: origin.sourceIp, now },
        roleTags: role.tags,
        caller: callerContextInput(caller),
        roleSessionName: params.roleSessionName,
        tags,
        transitiveTagKeys,
        sourceIdentity,
        externalId: params.externalId,
      });
      const actions = ['sts:AssumeRole'];
      if (params.tags.length > 0) actions.push('sts:TagSession');
      if (sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
      // Temporary credentials carry their role's permission policies; a principal, its own.
      const identityPolicies = caller.identityPolicies ?? (caller.kind === 'assumed-role' ? ((await registry.findRole(caller.roleArn))?.identityPolicies ?? []) : []);
      authorizeAssumeRoleActions(engine, caller, role, identityPolicies, context, actions);

      const packed = packedPolicySize(params.policy, requested);
      // The credentials and their audit row commit together, before the credentials leave.
      const issued = await credentials.issue(
        {
          role,
          sessionName: params.roleSessionName,
          durationSeconds,
          sourceIdentity,
          subject: caller.arn,
          provider: undefined,
          audience: undefined,
          sessionTags: tags,
          transitiveTagKeys,
          chained,
          parentAccessKeyId: caller.accessKeyId,
        },
        (credential) => ({
          type: 'sts.role_assumed',
          actor: caller.arn,
          occurredAt: now,
          subject: caller.arn,
          roleArn: role.arn.arn,
          expiresAt: credential.expiresAt,
          details: { action: 'AssumeRole', accessKeyId: credential.accessKeyId, parentAccessKeyId: caller.accessKeyId, sessionName: params.roleSessionName, chained, sourceIdentity },
        }),
      );
      return { credentials: issued, sourceIdentity, packedPolicySize: packed };
    },

    getCallerIdentity(caller: StsCaller): CallerIdentityResult {
      return { userId: caller.userId, account: caller.account, arn: caller.arn };
    },
  };
}

export type StsOperations = ReturnType<typeof createOperations>;
