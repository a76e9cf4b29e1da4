import { invalidInput } from '../core/index.ts';
import { parseSubjectTemplate, subjectTemplateBinding, type SubjectTemplatePiece } from '../issuer/index.ts';
import { validateAccountId, validateRoleName, type AwsPartition } from './admin-input.ts';
import { oneOrList, type IamPolicyDocument } from './policy-json.ts';
import { maxSessionDurationProblem, oidcProviderArn, providerPrefix } from '../iam/index.ts';

/** Written where the account id goes when the admin gave none; CloudFormation and Terraform output replace it. */
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT_ID';

/**
 * Whose tokens the role trusts: *broker* — Roleport's, whose `sub` names the role they were
 * minted for; *viewer* — the company IdP's own ID tokens, whose `sub` is the IdP's and names no role.
 */
export type TrustedTokenSource = 'broker' | 'viewer';

export interface TrustPolicyOptions {
  roleName: string;
  issuer: string;
  /** 12-digit account of the OIDC provider; undefined writes {@link ACCOUNT_PLACEHOLDER}. */
  account?: string | undefined;
  partition?: AwsPartition | undefined;
  /**
   * `:sub` patterns (StringLike, OR). Default: the subject template with the role's account
   * and name filled in and every other placeholder as `*`. Required for viewer tokens.
   */
  subLike?: readonly string[] | undefined;
  /** Default broker. */
  tokenSource?: TrustedTokenSource | undefined;
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

/** Why viewer tokens cannot be bound, in words for the admin. */
const VIEWER_UNBOUND =
  "viewer tokens are the IdP's own ID tokens: their sub names the user, not a role, so any of the user's tokens works for every role that trusts the IdP, the audience and the user, whichever session it came from";

export interface TrustPolicyResult {
  roleName: string;
  issuer: string;
  providerArn: string;
  /** Whether the provider ARN holds {@link ACCOUNT_PLACEHOLDER}. */
  accountPlaceholder: boolean;
  audience: string;
  subLike: readonly string[];
  tokenSource: TrustedTokenSource;
  /**
   * What makes a token minted for another role fail here: `bound` — every `:sub` pattern pins
   * this role's part of the subject; otherwise why not, for the admin to read.
   */
  roleBinding: { bound: true } | { bound: false; reason: string };
  maxSessionDurationSeconds: number | undefined;
  policy: IamPolicyDocument;
}

/**
 * The trust policy of a role that Roleport's tokens may assume: the issuer's OIDC provider as
 * the federated principal, `StringEquals` on `:aud` so that a token minted for another
 * audience is refused, and `StringLike` on `:sub` so that only the intended subjects get in.
 * Without the `:sub` condition any token of the issuer would do, which AWS's own console
 * warns about. The default `:sub` pattern pins the role's own account and name, which the
 * broker writes into the `sub` of every session token (`tokens.subjectTemplate`): a token
 * minted for a session that does not hold this role is refused by AWS itself.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp
 */
export function buildTrustPolicy(options: TrustPolicyOptions): TrustPolicyResult {
  validateRoleName(options.roleName, '--role-name');
  if (options.account !== undefined) validateAccountId(options.account, '--account');
  if (options.audience.length === 0) throw invalidInput('--audience must not be empty');
  const prefix = providerPrefix(options.issuer);
  const tokenSource = options.tokenSource ?? 'broker';
  const given = options.subLike !== undefined && options.subLike.length > 0 ? [...new Set(options.subLike)] : undefined;
  if (tokenSource === 'viewer' && given === undefined) {
    throw invalidInput('--sub-like is required for viewer tokens: their sub is the IdP\'s identifier of each user who holds this role');
  }
  const role = { account_id: options.account ?? ACCOUNT_PLACEHOLDER, role_name: options.roleName };
  const subLike = given ?? [subjectPattern(options.subjectTemplate, role)];
  for (const pattern of subLike) {
    // A bare `*` would trust every subject of the issuer; that is a choice to make explicitly in JSON, not a default.
    if (pattern.length === 0 || /^\*+$/.test(pattern)) throw invalidInput(`--sub-like ${JSON.stringify(pattern)}: would match every subject; name the subjects (e.g. user:alice or user:*)`);
  }
  const roleBinding = tokenSource === 'viewer' ? { bound: false as const, reason: VIEWER_UNBOUND } : patternsBindRole(options.subjectTemplate, role, subLike);
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
    tokenSource,
    roleBinding,
    maxSessionDurationSeconds: duration,
    policy,
  };
}

/**
 * The `StringLike` pattern of the subjects a template renders: placeholders in `fixed` take
 * their value, every other placeholder becomes `*`. Literal `*`, `?` and `$` (of the template
 * or a fixed value) are written as IAM's `${*}`, `${?}`, `${$}` (valid with Version
 * 2012-10-17), so that they cannot widen the match.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
 */
export function subjectPattern(template: string, fixed: Readonly<Record<string, string>> = {}): string {
  return patternOf(parseSubjectTemplate(template), fixed);
}

function patternOf(pieces: readonly SubjectTemplatePiece[], fixed: Readonly<Record<string, string>>): string {
  const escape = (text: string): string => text.replace(/[*?$]/g, (char) => `\${${char}}`);
  return pieces
    .map((piece) => ('literal' in piece ? escape(piece.literal) : fixed[piece.placeholder] === undefined ? '*' : escape(fixed[piece.placeholder]!)))
    .join('')
    .replace(/\*{2,}/g, '*');
}

/**
 * Whether every pattern pins the role: it must start (or end, as the template anchors it)
 * with the template's role part rendered for this role, whose fences no other role's subject
 * can imitate (`subjectTemplateBinding`).
 */
function patternsBindRole(template: string, role: Readonly<Record<string, string>>, patterns: readonly string[]): TrustPolicyResult['roleBinding'] {
  const binding = subjectTemplateBinding(template);
  if (binding.kind === 'invalid') throw invalidInput(`tokens.subjectTemplate ${template}: ${binding.problem}`);
  if (binding.kind === 'unbound') {
    return { bound: false, reason: `tokens.subjectTemplate ${template} names no role ({account_id}, {role_name}): every token of a user matches, whichever role it was minted for` };
  }
  // The role part: what follows the last other placeholder (suffix) or precedes the first (prefix).
  const pieces = parseSubjectTemplate(template);
  const isOther = (piece: SubjectTemplatePiece): boolean => 'placeholder' in piece && role[piece.placeholder] === undefined;
  const firstOther = pieces.findIndex(isOther);
  const part = binding.anchor === 'suffix' ? pieces.slice(pieces.findLastIndex(isOther) + 1) : firstOther === -1 ? pieces : pieces.slice(0, firstOther);
  const rolePart = patternOf(part, role);
  // Without --account the part holds the placeholder, which a pattern may spell as the account itself.
  const source = rolePart.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(ACCOUNT_PLACEHOLDER, `(?:${ACCOUNT_PLACEHOLDER}|\\d{12})`);
  const pins = new RegExp(binding.anchor === 'suffix' ? `${source}$` : `^${source}`);
  const loose = patterns.filter((pattern) => !pins.test(pattern));
  if (loose.length === 0) return { bound: true };
  return { bound: false, reason: `--sub-like ${loose.join(', ')} does not ${binding.anchor === 'suffix' ? 'end' : 'start'} with ${rolePart}: tokens minted for other roles match it` };
}
