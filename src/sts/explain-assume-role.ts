/**
 * `roleport policy explain --action sts:AssumeRole`: what the local STS (and AWS) would answer
 * when a principal with these identity policies asks to assume a role with this trust
 * policy, and which policy — which statement, which condition — decided it. It runs the very
 * functions AssumeRole runs (parameter rules, role-chaining cap, caller context,
 * {@link authorizeAssumeRole}), offline and without a registry.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 */
import { RoleportError, invalidInput } from '../core/index.ts';
import {
  assumedRoleArn,
  assumeRoleContext,
  checkSessionDuration,
  describeOriginDependences,
  isRoleSessionName,
  MAX_SESSION_DURATION_SECONDS,
  ORIGIN_KEYS,
  parseAssumedRoleArn,
  parseRoleArn,
  parseUserArn,
  readAssumeRoleParams,
  roleOfSession,
  StsError,
  type CallerContextInput,
  offlineOrigin,
  type OriginFlags,
  type StsErrorCode,
} from '../iam/index.ts';
import {
  listFailingConditions,
  listKeyDependences,
  type FailingCondition,
  type PolicyContext,
  type PolicyDecision,
  type PolicyDecisionReason,
  type PolicyEvaluation,
  type StatementTrace,
} from '../policy/index.ts';
import { assumeRoleDenialMessage, authorizeAssumeRole, type AssumeRoleDecision, type AssumeRoleDecisionReason } from './assume-role-authorization.ts';
import { roleIdFor, userIdFor } from './ids.ts';
import { DEFAULT_PRINCIPAL_SESSION_NAME } from './principals.ts';
import type { TrustPolicyEngine } from './trust.ts';

export const EXPLAIN_ASSUME_ROLE_ACTIONS = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] as const;
/** The RoleSessionName explain asks with when none is given (AssumeRole requires one). */
export const EXPLAIN_SESSION_NAME = 'roleport-explain';

/** The request; transport, source address and time (OriginFlags) are assumed when left out. */
export interface ExplainAssumeRoleOptions extends OriginFlags {
  /** Default `sts:AssumeRole`. */
  action?: string | undefined;
  /** The caller: a user ARN, a role ARN (the caller is a session of it), or an assumed-role session ARN. */
  principal: string;
  /** With a role ARN as principal: the caller's own session name (default {@link DEFAULT_PRINCIPAL_SESSION_NAME}). */
  principalSessionName?: string | undefined;
  /** The role to assume. */
  resource: string;
  /** The caller's identity policies: name and JSON text. */
  identityPolicies: readonly { name: string; document: string }[];
  /** The role's trust policy, JSON text. */
  trustPolicy: string;
  /** `RoleSessionName` of the request (default {@link EXPLAIN_SESSION_NAME}). */
  sessionName?: string | undefined;
  externalId?: string | undefined;
  sourceIdentity?: string | undefined;
  durationSeconds?: number | undefined;
  /** The role's `MaxSessionDuration` (default 3600, as a role created without one). */
  maxSessionDurationSeconds?: number | undefined;
  /** The role's tags (`iam:ResourceTag/…`, `aws:ResourceTag/…`). */
  roleTags?: Readonly<Record<string, string>> | undefined;
  /** Epoch ms: `aws:CurrentTime` unless `at` says otherwise. */
  now: number;
}

export interface ExplainedPolicy {
  /** `trust policy`, or the identity policy's name. */
  name: string;
  decision: PolicyDecision;
  reason: PolicyDecisionReason;
  decidingStatements: readonly number[];
  statements: readonly StatementTrace[];
}

export interface ExplainFailingCondition extends FailingCondition {
  /** Which policy it is in: `trust policy` or the identity policy's name. */
  policy: string;
}

export interface ExplainAssumeRoleResult {
  decision: PolicyDecision;
  reason: AssumeRoleDecisionReason;
  /** The policy (or both) whose answer decided. */
  decidedBy: AssumeRoleDecision['decidedBy'];
  summary: string;
  action: string;
  caller: { arn: string; principalArn: string; account: string; type: 'User' | 'AssumedRole' };
  resource: string;
  crossAccount: boolean;
  trustNamesCaller: boolean;
  trustPolicy: ExplainedPolicy;
  identityPolicies: { decision: PolicyDecision; reason: PolicyDecisionReason; policies: ExplainedPolicy[] };
  /** Conditions that kept an Allow statement from applying, in the policy that decided. */
  failingConditions: ExplainFailingCondition[];
  context: PolicyContext;
  /** What STS would answer: the first failure in the order AssumeRole checks. */
  sts: { outcome: 'success' } | { outcome: 'error'; code: StsErrorCode; message: string };
  notes: string[];
}

interface ExplainCaller {
  arn: string;
  account: string;
  partition: string;
  roleArn: string | undefined;
  context: CallerContextInput;
}

function readCaller(options: ExplainAssumeRoleOptions, notes: string[]): ExplainCaller {
  const user = parseUserArn(options.principal);
  if (user !== undefined) {
    if (options.principalSessionName !== undefined) throw invalidInput('--principal-session-name is for a role principal; an IAM user calls as itself');
    return {
      arn: user.arn,
      account: user.account,
      partition: user.partition,
      roleArn: undefined,
      context: { kind: 'user', arn: user.arn, account: user.account, userId: userIdFor(user.arn), userName: user.name },
    };
  }
  const role = parseRoleArn(options.principal);
  if (role !== undefined) {
    const session = options.principalSessionName ?? DEFAULT_PRINCIPAL_SESSION_NAME;
    if (!isRoleSessionName(session)) throw invalidInput(`--principal-session-name ${JSON.stringify(session)}: must be 2-64 characters of letters, digits and +=,.@_-`);
    return {
      arn: assumedRoleArn(role, session),
      account: role.account,
      partition: role.partition,
      roleArn: role.arn,
      context: { kind: 'assumed-role', roleArn: role.arn, account: role.account, userId: `${roleIdFor(role.arn)}:${session}`, sessionTags: {}, sourceIdentity: undefined },
    };
  }
  const session = parseAssumedRoleArn(options.principal);
  if (session !== undefined) {
    if (options.principalSessionName !== undefined) throw invalidInput('--principal-session-name: the session ARN already names the session');
    const { partition, account, sessionName } = session;
    const roleArn = roleOfSession(session);
    notes.push(`a session ARN carries the role's name but not its path: aws:PrincipalArn is taken as ${roleArn}; give the role ARN (with its path, e.g. aws-reserved/sso.amazonaws.com/…) as --principal if a condition tests the path`);
    return {
      arn: options.principal,
      account,
      partition,
      roleArn,
      context: { kind: 'assumed-role', roleArn, account, userId: `${roleIdFor(roleArn)}:${sessionName}`, sessionTags: {}, sourceIdentity: undefined },
    };
  }
  throw invalidInput(
    `--principal ${JSON.stringify(options.principal)}: expected an IAM user ARN (arn:aws:iam::ACCOUNT:user/NAME), a role ARN (arn:aws:iam::ACCOUNT:role/[PATH/]NAME) or a session ARN (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION)`,
  );
}

/** Parses, naming the policy in the message of a malformed one. */
function parseNamed<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RoleportError && error.code === 'ERR_POLICY_MALFORMED') throw new RoleportError('ERR_POLICY_MALFORMED', `${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

function explained(name: string, evaluation: PolicyEvaluation): ExplainedPolicy {
  return { name, decision: evaluation.decision, reason: evaluation.reason, decidingStatements: evaluation.decidingStatements, statements: evaluation.statements };
}

function failingConditionsOf(name: string, evaluation: PolicyEvaluation): ExplainFailingCondition[] {
  return listFailingConditions(evaluation).map((condition) => ({ policy: name, ...condition }));
}

/**
 * Explains one AssumeRole request. Throws `ERR_POLICY_MALFORMED` (message prefixed with the
 * policy's name, or `trust policy`) for a policy IAM would refuse, and `ERR_INPUT_INVALID`
 * for an unusable principal, role ARN or action; a denial is a result.
 */
export function explainAssumeRole(engine: TrustPolicyEngine, options: ExplainAssumeRoleOptions): ExplainAssumeRoleResult {
  const action = options.action ?? 'sts:AssumeRole';
  if (!(EXPLAIN_ASSUME_ROLE_ACTIONS as readonly string[]).includes(action)) {
    throw invalidInput(`--action ${JSON.stringify(action)}: with --trust-policy, explain takes ${EXPLAIN_ASSUME_ROLE_ACTIONS.join(', ')}`);
  }
  const role = parseRoleArn(options.resource);
  if (role === undefined) throw invalidInput(`--resource ${JSON.stringify(options.resource)}: not a role ARN (expected arn:aws:iam::123456789012:role/[PATH/]NAME)`);
  const notes: string[] = [];
  const caller = readCaller(options, notes);
  const trustPolicy = parseNamed('trust policy', () => engine.parseTrustPolicy(options.trustPolicy));
  const identityPolicies = options.identityPolicies.map((policy) => ({ name: policy.name, document: parseNamed(policy.name, () => engine.parseIdentityPolicy(policy.document)) }));
  if (identityPolicies.length === 0) notes.push('no --identity-policy: the caller has no identity policy, so only a same-account trust policy that names the caller can allow');

  const sessionName = options.sessionName ?? EXPLAIN_SESSION_NAME;
  if (options.sessionName === undefined) notes.push(`no --session-name: sts:RoleSessionName is ${EXPLAIN_SESSION_NAME}`);
  const { origin, sources } = offlineOrigin(options, options.now);
  const context = assumeRoleContext({
    origin,
    roleTags: options.roleTags ?? {},
    caller: caller.context,
    roleSessionName: sessionName,
    tags: {},
    transitiveTagKeys: [],
    sourceIdentity: options.sourceIdentity,
    externalId: options.externalId,
  });

  const decision = authorizeAssumeRole(engine, {
    action,
    caller: { arn: caller.arn, account: caller.account, partition: caller.partition, roleArn: caller.roleArn },
    role: { arn: role.arn, account: role.account },
    trustPolicy,
    identityPolicies,
    context,
  });

  const sts = stsAnswer(options, caller, sessionName, action, role.arn, decision);
  const dependences = [decision.trust, ...decision.identity.policies.map((policy) => policy.evaluation)].flatMap((evaluation) => listKeyDependences(evaluation, ORIGIN_KEYS));
  notes.push(...describeOriginDependences(dependences, context, sources));
  const failingConditions =
    decision.decidedBy === 'trust-policy'
      ? failingConditionsOf('trust policy', decision.trust)
      : decision.decidedBy === 'identity-policies'
        ? decision.identity.policies.flatMap((policy) => failingConditionsOf(policy.name, policy.evaluation))
        : [];
  return {
    decision: decision.decision,
    reason: decision.reason,
    decidedBy: decision.decidedBy,
    summary: decision.summary,
    action,
    caller: { arn: caller.arn, principalArn: context['aws:PrincipalArn'] as string, account: caller.account, type: caller.roleArn === undefined ? 'User' : 'AssumedRole' },
    resource: role.arn,
    crossAccount: decision.crossAccount,
    trustNamesCaller: decision.trustNamesCaller,
    trustPolicy: explained('trust policy', decision.trust),
    identityPolicies: { decision: decision.identity.decision, reason: decision.identity.reason, policies: decision.identity.policies.map((policy) => explained(policy.name, policy.evaluation)) },
    failingConditions: decision.decision === 'allow' ? [] : failingConditions,
    context,
    sts,
    notes,
  };
}

/** AssumeRole's answer, checked in its order: parameters, the session duration (role chaining, the role's maximum), then the policies. */
function stsAnswer(
  options: ExplainAssumeRoleOptions,
  caller: ExplainCaller,
  sessionName: string,
  action: string,
  roleArn: string,
  decision: AssumeRoleDecision,
): ExplainAssumeRoleResult['sts'] {
  const params: Record<string, string> = { RoleArn: roleArn, RoleSessionName: sessionName };
  if (options.externalId !== undefined) params['ExternalId'] = options.externalId;
  if (options.sourceIdentity !== undefined) params['SourceIdentity'] = options.sourceIdentity;
  if (options.durationSeconds !== undefined) params['DurationSeconds'] = String(options.durationSeconds);
  try {
    readAssumeRoleParams(params);
  } catch (error) {
    if (error instanceof StsError) return { outcome: 'error', code: error.awsCode, message: error.message };
    throw error;
  }
  try {
    checkSessionDuration(options.durationSeconds, options.maxSessionDurationSeconds ?? MAX_SESSION_DURATION_SECONDS.default, caller.roleArn !== undefined);
  } catch (error) {
    if (error instanceof StsError) return { outcome: 'error', code: error.awsCode, message: error.message };
    throw error;
  }
  if (decision.decision === 'deny') return { outcome: 'error', code: 'AccessDenied', message: assumeRoleDenialMessage(caller.arn, action, roleArn) };
  return { outcome: 'success' };
}

/**
 * The explanation for people: the answer and why, the conditions to fix, each policy's trace
 * (`format` is src/policy's `formatEvaluation`, with or without color), the request context.
 */
export function formatAssumeRoleExplanation(result: ExplainAssumeRoleResult, format: (evaluation: PolicyEvaluation) => string): string {
  const indent = (text: string, by = '  '): string => text.split('\n').map((line) => `${by}${line}`).join('\n');
  const lines = [
    `${result.action} by ${result.caller.arn} on ${result.resource}`,
    `${result.decision.toUpperCase()} (decided by ${result.decidedBy === 'both' ? 'the trust policy and the identity policies' : result.decidedBy === 'trust-policy' ? 'the trust policy' : 'the identity policies'}): ${result.summary}`,
  ];
  if (result.failingConditions.length > 0) {
    lines.push('', result.failingConditions.length === 1 ? 'Failing condition:' : 'Failing conditions:');
    for (const condition of result.failingConditions) {
      const where = condition.sid === undefined || condition.sid === '' ? `statement ${condition.statement}` : `statement ${condition.statement} ${JSON.stringify(condition.sid)}`;
      lines.push(`  ✗ ${condition.policy}, ${where}: ${condition.explanation}`);
    }
  }
  const identity = result.identityPolicies;
  lines.push('', `Identity policies: ${identity.policies.length === 0 ? 'none' : identity.decision === 'allow' ? 'ALLOW' : identity.reason === 'explicit-deny' ? 'DENY (explicit deny)' : 'DENY (implicit: none allows the request)'}`);
  for (const policy of identity.policies) lines.push(indent(`${policy.name}: ${format(policy)}`));
  lines.push('', `Trust policy: ${format(result.trustPolicy)}`);
  lines.push('', 'Request:', `  caller    ${result.caller.arn} (${result.caller.type}, account ${result.caller.account})`, `  role      ${result.resource} (${result.crossAccount ? 'another account: both policies must allow' : 'same account'})`, '  context');
  for (const [key, value] of Object.entries(result.context)) lines.push(`    ${key} = ${JSON.stringify(value)}`);
  lines.push('', result.sts.outcome === 'success' ? 'STS would answer: credentials' : `STS would answer: ${result.sts.code}: ${result.sts.message}`);
  if (result.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const note of result.notes) lines.push(`  - ${note}`);
  }
  return lines.join('\n');
}
