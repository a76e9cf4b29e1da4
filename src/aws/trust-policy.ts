import { invalidInput } from '../core/index.ts';
import { validateAccountId, validateRoleName, type AwsPartition } from './admin-input.ts';
import { oneOrList, type IamPolicyDocument } from './policy-json.ts';
import { maxSessionDurationProblem, oidcProviderArn, providerPrefix } from '../iam/index.ts';

/** Written where the account id goes when the admin gave none; CloudFormation and Terraform output replace it. */
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT_ID';

export interface TrustPolicyOptions {
  roleName: string;
  issuer: string;
  /** 12-digit account of the OIDC provider; undefined writes {@link ACCOUNT_PLACEHOLDER}. */
  account?: string | undefined;
  partition?: AwsPartition | undefined;
  /** `:sub` patterns (StringLike, OR). Default: the subject template with placeholders as `*`. */
  subLike?: readonly string[] | undefined;
  /** Must be non-empty: the `:aud` value (StringEquals). */
  audience: string;
  /** The subject template the default `:sub` pattern is derived from. */
  subjectTemplate: string;
  /** Adds `sts:TagSession`, needed when tokens carry `https://aws.amazon.com/tags`. */
  sessionTags?: boolean | undefined;
  /** Adds `sts:SetSourceIdentity`, needed when tokens carry `https://aws.amazon.com/source_identity`. */
  sourceIdentity?: boolean | undefined;
  /** Role's MaxSessionDuration for the CloudFormation/Terraform output (3600–43200). */
  maxSessionDurationSeconds?: number | undefined;
}

export interface TrustPolicyResult {
  roleName: string;
  issuer: string;
  providerArn: string;
  /** Whether the provider ARN holds {@link ACCOUNT_PLACEHOLDER}. */
  accountPlaceholder: boolean;
  audience: string;
  subLike: readonly string[];
  maxSessionDurationSeconds: number | undefined;
  policy: IamPolicyDocument;
}

/**
 * The trust policy of a role that Roleport's tokens may assume: the issuer's OIDC provider as
 * the federated principal, `StringEquals` on `:aud` so that a token minted for another
 * audience is refused, and `StringLike` on `:sub` so that only the intended subjects get in.
 * Without the `:sub` condition any token of the issuer would do, which AWS's own console
 * warns about.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp
 */
export function buildTrustPolicy(options: TrustPolicyOptions): TrustPolicyResult {
  validateRoleName(options.roleName, '--role-name');
  if (options.account !== undefined) validateAccountId(options.account, '--account');
  if (options.audience.length === 0) throw invalidInput('--audience must not be empty');
  const prefix = providerPrefix(options.issuer);
  const subLike = options.subLike !== undefined && options.subLike.length > 0 ? [...new Set(options.subLike)] : [defaultSubjectPattern(options.subjectTemplate)];
  for (const pattern of subLike) {
    // A bare `*` would trust every subject of the issuer; that is a choice to make explicitly in JSON, not a default.
    if (pattern.length === 0 || /^\*+$/.test(pattern)) throw invalidInput(`--sub-like ${JSON.stringify(pattern)}: would match every subject; name the subjects (e.g. user:alice or user:*)`);
  }
  const duration = options.maxSessionDurationSeconds;
  if (duration !== undefined && maxSessionDurationProblem(duration) !== undefined) throw invalidInput(`--max-session-duration ${duration}: must be ${maxSessionDurationProblem(duration)}`);
  const providerArn = oidcProviderArn(options.partition ?? 'aws', options.account ?? ACCOUNT_PLACEHOLDER, prefix);
  const actions = ['sts:AssumeRoleWithWebIdentity'];
  if (options.sessionTags === true) actions.push('sts:TagSession');
  if (options.sourceIdentity === true) actions.push('sts:SetSourceIdentity');
  const policy: IamPolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RoleportWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: oneOrList(actions),
        Condition: {
          StringEquals: { [`${prefix}:aud`]: options.audience },
          StringLike: { [`${prefix}:sub`]: oneOrList(subLike) },
        },
      },
    ],
  };
  return {
    roleName: options.roleName,
    issuer: options.issuer,
    providerArn,
    accountPlaceholder: options.account === undefined,
    audience: options.audience,
    subLike,
    maxSessionDurationSeconds: duration,
    policy,
  };
}

/**
 * `user:{username}` → `user:*`: every placeholder of the subject template becomes `*`, so the
 * default condition admits exactly the subjects this issuer's template can produce.
 */
export function defaultSubjectPattern(template: string): string {
  // Literal `*`, `?` and `$` of the template itself are escaped as IAM's `${*}`, `${?}`, `${$}`
  // (valid with Version 2012-10-17) so that they cannot widen the match.
  const pieces = template.split(/\{[a-z_][a-z0-9_]*\}/i).map((literal) => literal.replace(/[*?$]/g, (char) => `\${${char}}`));
  return pieces.join('*').replace(/\*{2,}/g, '*');
}
