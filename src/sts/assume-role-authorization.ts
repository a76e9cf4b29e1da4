/**
 * Who may `sts:AssumeRole`: the caller's identity policies and the role's trust policy
 * together, the way IAM combines an identity-based policy with a resource-based one. The
 * local STS decides every AssumeRole here, and `roleport policy explain --action
 * sts:AssumeRole` explains with the same function, so the two cannot disagree.
 *
 * The rules (IAM User Guide):
 * - An explicit `Deny` in either policy denies.
 * - The trust policy must always allow the caller: role trust policies are an exception to
 *   "either policy may allow within one account", because they must explicitly allow the
 *   principals that assume the role.
 * - Same account: a trust policy that names the caller itself (its user ARN, its role or
 *   session ARN, or `*`) is enough, even without an identity policy. One that names only the
 *   account (`123456789012` or `arn:aws:iam::123456789012:root`) delegates to the account's
 *   IAM: an identity policy must also allow the action on the role.
 * - Cross-account: both must allow — the trust policy in the role's account and an identity
 *   policy of the caller in its own account.
 *
 * `"Principal": "*"` counts as naming the caller: IAM documents it for resource policies
 * (a KMS key policy granting `*` needs no IAM policy in the key's account) and documents no
 * role-trust exception, so the local STS reads it the same way.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-basics-id-rdp
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
 * @see https://aws.amazon.com/blogs/security/how-to-use-trust-policies-with-iam-roles/
 */
import type { PolicyContext, PolicyDecision, PolicyDecisionReason, PolicyDocument, PolicyEvaluation, PolicyPrincipal } from '../policy/index.ts';
import { parseRoleArn } from '../iam/index.ts';
import type { IdentityPolicy } from './credentials.ts';
import type { TrustPolicyEngine } from './trust.ts';

/** The caller as the policies see it. */
export interface AssumeRoleCallerView {
  /** What trust policies match and denials name: a user ARN or an assumed-role session ARN. */
  readonly arn: string;
  readonly account: string;
  readonly partition: string;
  /** For a role session: the role's ARN, path included — a trust policy may name it. */
  readonly roleArn?: string | undefined;
}

export interface AssumeRoleAuthorizationRequest {
  /** `sts:AssumeRole`, or `sts:TagSession` / `sts:SetSourceIdentity` that the same call needs. */
  readonly action: string;
  readonly caller: AssumeRoleCallerView;
  readonly role: { readonly arn: string; readonly account: string };
  readonly trustPolicy: PolicyDocument;
  readonly identityPolicies: readonly IdentityPolicy[];
  readonly context: PolicyContext;
}

export type AssumeRoleDecisionReason =
  /** A `Deny` of the trust policy applies. */
  | 'trust-explicit-deny'
  /** A `Deny` of an identity policy applies. */
  | 'identity-explicit-deny'
  /** No statement of the trust policy allows the caller. */
  | 'trust-implicit-deny'
  /** The trust policy allows, but only by account or across accounts, and no identity policy allows. */
  | 'identity-implicit-deny'
  /** Same account, and the trust policy names the caller: no identity policy needed. */
  | 'allowed-by-trust-policy'
  /** The trust policy and an identity policy both allow. */
  | 'allowed';

export interface IdentityPolicyEvaluation {
  readonly name: string;
  readonly evaluation: PolicyEvaluation;
}

export interface AssumeRoleDecision {
  readonly action: string;
  readonly decision: PolicyDecision;
  readonly reason: AssumeRoleDecisionReason;
  /** The policy (or both) whose answer decided. */
  readonly decidedBy: 'trust-policy' | 'identity-policies' | 'both';
  readonly crossAccount: boolean;
  /** Whether an allowing trust statement names the caller itself rather than only its account. */
  readonly trustNamesCaller: boolean;
  readonly trust: PolicyEvaluation;
  /** The identity policies together: a Deny in any, else an Allow in any, else implicit deny. */
  readonly identity: { readonly decision: PolicyDecision; readonly reason: PolicyDecisionReason; readonly policies: readonly IdentityPolicyEvaluation[] };
  /** One sentence saying why. */
  readonly summary: string;
}

/** AWS's refusal of AssumeRole, word for word. */
export function assumeRoleDenialMessage(callerArn: string, action: string, roleArn: string): string {
  return `User: ${callerArn} is not authorized to perform: ${action} on resource: ${roleArn}`;
}

/** Decides one action of an AssumeRole call; pure. */
export function authorizeAssumeRole(engine: TrustPolicyEngine, request: AssumeRoleAuthorizationRequest): AssumeRoleDecision {
  const { action, caller, role, context } = request;
  const trust = engine.evaluate(request.trustPolicy, { action, principal: { aws: caller.arn }, resource: role.arn, context });
  const policies = request.identityPolicies.map((policy) => ({ name: policy.name, evaluation: engine.evaluate(policy.document, { action, resource: role.arn, context }) }));
  const identity = combineIdentity(policies);
  const crossAccount = caller.account !== role.account;
  const trustNamesCaller = trust.decision === 'allow' && trust.decidingStatements.some((index) => namesCaller(request.trustPolicy.statements[index]?.principal, caller));

  const decide = (decision: PolicyDecision, reason: AssumeRoleDecisionReason, decidedBy: AssumeRoleDecision['decidedBy']): AssumeRoleDecision => {
    const partial = { action, decision, reason, decidedBy, crossAccount, trustNamesCaller, trust, identity };
    return { ...partial, summary: summarize(partial, request) };
  };
  if (trust.reason === 'explicit-deny') return decide('deny', 'trust-explicit-deny', identity.reason === 'explicit-deny' ? 'both' : 'trust-policy');
  if (identity.reason === 'explicit-deny') return decide('deny', 'identity-explicit-deny', 'identity-policies');
  if (trust.decision !== 'allow') return decide('deny', 'trust-implicit-deny', 'trust-policy');
  if (!crossAccount && trustNamesCaller) return decide('allow', 'allowed-by-trust-policy', 'trust-policy');
  if (identity.decision === 'allow') return decide('allow', 'allowed', 'both');
  return decide('deny', 'identity-implicit-deny', 'identity-policies');
}

function combineIdentity(policies: readonly IdentityPolicyEvaluation[]): AssumeRoleDecision['identity'] {
  if (policies.some((policy) => policy.evaluation.reason === 'explicit-deny')) return { decision: 'deny', reason: 'explicit-deny', policies };
  if (policies.some((policy) => policy.evaluation.decision === 'allow')) return { decision: 'allow', reason: 'allowed', policies };
  return { decision: 'deny', reason: 'implicit-deny', policies };
}

/**
 * Whether a trust statement's Principal names this caller rather than its account: `*`, the
 * caller's own ARN, or (for a role session) the role — by ARN, or by name as IAM matches
 * assumed-role sessions whatever the role's path.
 */
function namesCaller(principal: PolicyPrincipal | undefined, caller: AssumeRoleCallerView): boolean {
  if (principal === undefined) return false;
  if (principal === '*') return true;
  const listed = principal.aws ?? [];
  if (listed.includes('*') || listed.includes(caller.arn)) return true;
  const callerRole = caller.roleArn === undefined ? undefined : parseRoleArn(caller.roleArn);
  if (callerRole === undefined) return false;
  return listed.some((value) => {
    const role = parseRoleArn(value);
    return role !== undefined && role.partition === callerRole.partition && role.account === callerRole.account && role.name === callerRole.name;
  });
}

function statementsOf(evaluation: PolicyEvaluation): string {
  const names = evaluation.decidingStatements.map((index) => {
    const sid = evaluation.statements[index]?.sid;
    return sid === undefined || sid === '' ? `statement ${index}` : `statement ${index} ${JSON.stringify(sid)}`;
  });
  return names.join(', ');
}

function decidingIdentityPolicies(identity: AssumeRoleDecision['identity'], reason: PolicyDecisionReason): string {
  return identity.policies
    .filter((policy) => policy.evaluation.reason === reason)
    .map((policy) => `${policy.name} (${statementsOf(policy.evaluation)})`)
    .join(', ');
}

function summarize(decision: Omit<AssumeRoleDecision, 'summary'>, request: AssumeRoleAuthorizationRequest): string {
  const { action, trust, identity, crossAccount } = decision;
  const role = request.role.arn;
  const scope = crossAccount ? `cross-account (caller in ${request.caller.account}, role in ${request.role.account}): the trust policy and an identity policy must both allow` : 'same account';
  switch (decision.reason) {
    case 'trust-explicit-deny':
      return `explicit deny in the role's trust policy (${statementsOf(trust)})`;
    case 'identity-explicit-deny':
      return `explicit deny in identity policy ${decidingIdentityPolicies(identity, 'explicit-deny')}`;
    case 'trust-implicit-deny':
      return `the role's trust policy does not allow ${request.caller.arn} to ${action} (no statement applies)`;
    case 'identity-implicit-deny': {
      const none = request.identityPolicies.length === 0 ? 'the caller has no identity policy' : `no identity policy allows ${action} on ${role}`;
      return crossAccount
        ? `${scope}; the trust policy allows (${statementsOf(trust)}), but ${none}`
        : `the trust policy trusts the caller's account, not the caller by ARN (${statementsOf(trust)}), so an identity policy must allow too, and ${none}`;
    }
    case 'allowed-by-trust-policy':
      return `same account, and the trust policy names the caller (${statementsOf(trust)}): no identity policy is needed`;
    case 'allowed':
      return `${scope}; the trust policy allows (${statementsOf(trust)}) and identity policy ${decidingIdentityPolicies(identity, 'allowed')} allows ${action} on ${role}`;
  }
}

/**
 * The decision for people: the verdict and why, then each identity policy's trace and the
 * trust policy's trace (`format` is src/policy's `formatEvaluation`).
 */
export function formatAssumeRoleDecision(decision: AssumeRoleDecision, format: (evaluation: PolicyEvaluation) => string): string {
  const indent = (text: string): string => text.split('\n').map((line) => `  ${line}`).join('\n');
  const lines = [`${decision.action}: ${decision.decision.toUpperCase()} — ${decision.summary}`];
  const identityHead =
    decision.identity.reason === 'explicit-deny'
      ? 'DENY (explicit deny)'
      : decision.identity.reason === 'allowed'
        ? 'ALLOW'
        : decision.identity.policies.length === 0
          ? 'DENY (implicit: no identity policy)'
          : 'DENY (implicit: no identity policy allows the request)';
  lines.push(`Identity policies: ${identityHead}`);
  for (const policy of decision.identity.policies) lines.push(indent(`${policy.name}: ${format(policy.evaluation)}`));
  lines.push(`Trust policy: ${format(decision.trust)}`);
  return lines.join('\n');
}
