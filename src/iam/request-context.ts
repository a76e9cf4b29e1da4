/**
 * The request context of `AssumeRoleWithWebIdentity` and `AssumeRole`: the condition keys a
 * trust policy (and, for AssumeRole, the caller's identity policies) is evaluated against.
 * The local STS builds it here, and so do both forms of `roleport policy explain`: one
 * function per action, so that explain and the STS cannot see different requests.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html (aws:CurrentTime, aws:SecureTransport, aws:SourceIp, aws:PrincipalArn, aws:FederatedProvider, aws:RequestTag, aws:TagKeys, aws:ResourceTag)
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif (<provider>:aud, :sub, :azp, :amr)
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-sts (sts:RoleSessionName, sts:SourceIdentity, sts:TransitiveTagKeys, sts:ExternalId)
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
 */
import { isoSeconds } from '../core/index.ts';

/** Keys → one value, or several for a multi-valued key (`:amr`, `aws:TagKeys`). */
export type RequestContext = Record<string, string | readonly string[]>;

/**
 * How and when the request reached STS: what the STS reads off the connection and its clock,
 * and what an offline explain has to be told (`--secure-transport`, `--source-ip`, `--at`).
 */
export interface RequestOrigin {
  /** Whether the request came over TLS (`aws:SecureTransport`). */
  secureTransport: boolean;
  /** The caller's address (`aws:SourceIp`); undefined leaves the key out. */
  sourceIp: string | undefined;
  /** Epoch milliseconds (`aws:CurrentTime`, `aws:EpochTime`). */
  now: number;
}

/** The keys {@link RequestOrigin} sets: explain says when a decision hangs on one of them. */
export const ORIGIN_KEYS = ['aws:SecureTransport', 'aws:SourceIp', 'aws:CurrentTime', 'aws:EpochTime'] as const;
export type OriginKey = (typeof ORIGIN_KEYS)[number];

/** `aws:CurrentTime` is ISO 8601 in whole seconds. */
export function currentTimeValue(now: number): string {
  return isoSeconds(now);
}

/** Keys every request carries (global condition keys). */
function originContext(origin: RequestOrigin): RequestContext {
  const context: RequestContext = {
    'aws:CurrentTime': currentTimeValue(origin.now),
    'aws:EpochTime': String(Math.floor(origin.now / 1000)),
    'aws:SecureTransport': origin.secureTransport ? 'true' : 'false',
  };
  if (origin.sourceIp !== undefined) context['aws:SourceIp'] = origin.sourceIp;
  return context;
}

/** The tags of the role being assumed, the resource of the request. */
function roleTagContext(roleTags: Readonly<Record<string, string>>): RequestContext {
  const context: RequestContext = {};
  for (const [key, value] of Object.entries(roleTags)) {
    context[`iam:ResourceTag/${key}`] = value;
    context[`aws:ResourceTag/${key}`] = value;
  }
  return context;
}

/** Session tags the request sets: `aws:RequestTag/…`, `aws:TagKeys`, `sts:TransitiveTagKeys`. */
function sessionTagContext(tags: Readonly<Record<string, string>>, transitiveTagKeys: readonly string[]): RequestContext {
  const keys = Object.keys(tags);
  if (keys.length === 0) return {};
  const context: RequestContext = { 'aws:TagKeys': keys };
  for (const [key, value] of Object.entries(tags)) context[`aws:RequestTag/${key}`] = value;
  if (transitiveTagKeys.length > 0) context['sts:TransitiveTagKeys'] = transitiveTagKeys;
  return context;
}

/** What a web identity token contributes; undefined values leave their keys out. */
export interface WebIdentityContextClaims {
  audience: string | undefined;
  subject: string | undefined;
  azp: string | undefined;
  amr: readonly string[] | undefined;
  sessionTags: { readonly tags: Readonly<Record<string, string>>; readonly transitiveTagKeys: readonly string[] } | undefined;
  sourceIdentity: string | undefined;
}

export interface WebIdentityContextInput {
  origin: RequestOrigin;
  roleTags: Readonly<Record<string, string>>;
  /** The provider's condition-key prefix and its `Principal.Federated` value (oidc-provider.ts). */
  provider: { prefix: string; principal: string };
  claims: WebIdentityContextClaims;
  roleSessionName: string | undefined;
}

/**
 * `AssumeRoleWithWebIdentity`: the OIDC keys under the provider's prefix (there is no `:iss`
 * key and no custom-claim key for generic providers), the session name, the provider, the
 * tag keys STS sets for session tags, the source identity, the role's tags and the origin.
 */
export function assumeRoleWithWebIdentityContext(input: WebIdentityContextInput): RequestContext {
  const { prefix } = input.provider;
  const claims = input.claims;
  const context: RequestContext = { ...originContext(input.origin), ...roleTagContext(input.roleTags) };
  if (claims.audience !== undefined) context[`${prefix}:aud`] = claims.audience;
  if (claims.subject !== undefined) context[`${prefix}:sub`] = claims.subject;
  if (claims.azp !== undefined) context[`${prefix}:azp`] = claims.azp;
  if (claims.amr !== undefined) context[`${prefix}:amr`] = claims.amr;
  if (input.roleSessionName !== undefined) context['sts:RoleSessionName'] = input.roleSessionName;
  context['aws:FederatedProvider'] = input.provider.principal;
  if (claims.sessionTags !== undefined) Object.assign(context, sessionTagContext(claims.sessionTags.tags, claims.sessionTags.transitiveTagKeys));
  if (claims.sourceIdentity !== undefined) context['sts:SourceIdentity'] = claims.sourceIdentity;
  return context;
}

/** Who calls AssumeRole: an IAM user, or a session of a role. */
export type CallerContextInput =
  | { kind: 'user'; arn: string; account: string; userId: string; userName: string }
  | {
      kind: 'assumed-role';
      /** The role's ARN, path included: `aws:PrincipalArn` is the role's, not the session's. */
      roleArn: string;
      account: string;
      userId: string;
      sessionTags: Readonly<Record<string, string>>;
      sourceIdentity: string | undefined;
    };

/**
 * The global condition keys that describe who is calling, as IAM sets them for a request
 * signed by an IAM user or by a role session.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
export function callerContext(caller: CallerContextInput): Record<string, string> {
  if (caller.kind === 'user') {
    return {
      'aws:PrincipalArn': caller.arn,
      'aws:PrincipalAccount': caller.account,
      'aws:PrincipalType': 'User',
      'aws:userid': caller.userId,
      'aws:username': caller.userName,
    };
  }
  const context: Record<string, string> = {
    'aws:PrincipalArn': caller.roleArn,
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': caller.userId,
  };
  for (const [key, value] of Object.entries(caller.sessionTags)) context[`aws:PrincipalTag/${key}`] = value;
  if (caller.sourceIdentity !== undefined) context['aws:SourceIdentity'] = caller.sourceIdentity;
  return context;
}

export interface AssumeRoleContextInput {
  origin: RequestOrigin;
  roleTags: Readonly<Record<string, string>>;
  caller: CallerContextInput;
  roleSessionName: string;
  /** The session's tags (inherited transitive ones included) and its transitive keys. */
  tags: Readonly<Record<string, string>>;
  transitiveTagKeys: readonly string[];
  sourceIdentity: string | undefined;
  externalId: string | undefined;
}

/** `AssumeRole`: the origin, the role's tags, the session's tags and name, the caller, `ExternalId`. */
export function assumeRoleContext(input: AssumeRoleContextInput): RequestContext {
  const context: RequestContext = {
    ...originContext(input.origin),
    ...roleTagContext(input.roleTags),
    ...sessionTagContext(input.tags, input.transitiveTagKeys),
    'sts:RoleSessionName': input.roleSessionName,
    ...callerContext(input.caller),
  };
  if (input.sourceIdentity !== undefined) context['sts:SourceIdentity'] = input.sourceIdentity;
  if (input.externalId !== undefined) context['sts:ExternalId'] = input.externalId;
  return context;
}

/** How explain came by each origin key's value, for its notes. */
export type OriginSources = Readonly<Record<'secureTransport' | 'sourceIp' | 'now', 'given' | 'assumed'>>;

const ORIGIN_FLAGS: Record<OriginKey, { flag: string; source: keyof OriginSources }> = {
  'aws:SecureTransport': { flag: '--secure-transport true|false', source: 'secureTransport' },
  'aws:SourceIp': { flag: '--source-ip ADDRESS', source: 'sourceIp' },
  'aws:CurrentTime': { flag: '--at TIME', source: 'now' },
  'aws:EpochTime': { flag: '--at TIME', source: 'now' },
};

/**
 * Explain's note for each condition that tests a key of the request's origin: the STS reads
 * these off the connection and its clock, explain assumes them unless given, so a decision
 * that hangs on one is only as good as the assumption.
 */
export function describeOriginDependences(
  dependences: readonly { key: string; statement: number; sid: string | undefined; condition: { matched: boolean } }[],
  context: Readonly<Record<string, string | readonly string[] | undefined>>,
  sources: OriginSources,
): string[] {
  return dependences.map(({ key, statement, sid, condition }) => {
    const { flag, source } = ORIGIN_FLAGS[key as OriginKey];
    const value = context[key];
    const where = sid === undefined || sid === '' ? `statement ${statement}` : `statement ${statement} ${JSON.stringify(sid)}`;
    const shown = value === undefined ? 'absent' : JSON.stringify(value);
    const how = sources[source] === 'given' ? 'as given' : `assumed; the STS takes it from the request: give ${flag}`;
    return `the decision hangs on ${key} (${shown}, ${how}): ${where} tests it and it ${condition.matched ? 'holds' : 'fails'}`;
  });
}

/** The origin keys an offline explain may be told; each left out is assumed. */
export interface OriginFlags {
  /** Default true: an HTTPS call, as every AWS SDK makes. */
  secureTransport?: boolean | undefined;
  /** Default: none (the key is absent, which no real request is: give it when a policy tests it). */
  sourceIp?: string | undefined;
  /** Epoch milliseconds; default `now`. */
  at?: number | undefined;
}

/** What the STS would see for these flags: an HTTPS call now, unless told otherwise. */
export function offlineOrigin(flags: OriginFlags, now: number): { origin: RequestOrigin; sources: OriginSources } {
  return {
    origin: { secureTransport: flags.secureTransport ?? true, sourceIp: flags.sourceIp, now: flags.at ?? now },
    sources: {
      secureTransport: flags.secureTransport === undefined ? 'assumed' : 'given',
      sourceIp: flags.sourceIp === undefined ? 'assumed' : 'given',
      now: flags.at === undefined ? 'assumed' : 'given',
    },
  };
}
