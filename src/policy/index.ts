/**
 * Roleport's IAM policy engine: parse a policy document, evaluate it against a request the
 * way AWS IAM does, and explain the decision. Pure: no I/O, no clock, no globals.
 *
 * @example
 * ```ts
 * const policy = parsePolicy(trustPolicyJson);
 * const evaluation = evaluatePolicy(policy, {
 *   action: 'sts:AssumeRoleWithWebIdentity',
 *   principal: { federated: 'arn:aws:iam::123456789012:oidc-provider/token.example.com' },
 *   context: { 'token.example.com:aud': 'sts.amazonaws.com', 'token.example.com:sub': 'user:ada' },
 * });
 * if (evaluation.decision === 'deny') console.log(formatEvaluation(evaluation));
 * ```
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @module
 */
import { compilePolicy as compilePolicyImpl, type CompiledPolicy } from './compile-policy.ts';
import { evaluatePolicy as evaluatePolicyImpl } from './evaluate-policy.ts';
import { formatEvaluation as formatEvaluationImpl, type FormatEvaluationOptions } from './format-evaluation.ts';
import { parsePolicy as parsePolicyImpl } from './parse-policy.ts';
import type { PolicyDocument, PolicyEvaluation, PolicyRequest } from './types.ts';

export type {
  ConditionOperator,
  ConditionTrace,
  ElementTrace,
  PolicyCondition,
  PolicyContext,
  PolicyDecision,
  PolicyDecisionReason,
  PolicyDocument,
  PolicyEffect,
  PolicyEvaluation,
  PolicyPrincipal,
  PolicyRequest,
  PolicyStatement,
  PolicyVersion,
  RequestPrincipal,
  SetQualifier,
  StatementTrace,
} from './types.ts';
export type { CompiledPolicy } from './compile-policy.ts';
export type { FormatEvaluationOptions } from './format-evaluation.ts';
/** The failing conditions of a denied evaluation: what explain highlights. */
export { listFailingConditions, type FailingCondition, type FailingConditionsOptions } from './failing-conditions.ts';
/** The conditions a decision hangs on for given keys: explain's notes on what it cannot know offline. */
export { listKeyDependences, type KeyDependence } from './key-dependence.ts';

/**
 * Parses and validates an IAM policy document, given as JSON text or as a parsed value.
 *
 * `Statement` may be one object or an array; `Action`, `Resource`, principals and
 * condition values may be single values or arrays; condition numbers and booleans become
 * strings. Without `Version` the document is `2008-10-17`, where `${…}` is plain text.
 * The result is deeply frozen and already compiled, so evaluating it is fast.
 *
 * @throws `RoleportError` with code `ERR_POLICY_MALFORMED` and a message that starts with
 *   the offending element, e.g. `Statement[1].Effect must be "Allow" or "Deny"` or
 *   `Statement[0].Condition.StringLikee: unknown condition operator`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export function parsePolicy(document: unknown): PolicyDocument {
  return parsePolicyImpl(document);
}

/**
 * Compiles a document into matchers (wildcard patterns, sets, parsed numbers, dates and
 * CIDR blocks) once. Documents from {@link parsePolicy} are compiled already and cached;
 * call this for a document built by hand, and keep the result.
 *
 * @throws `RoleportError` (`ERR_POLICY_MALFORMED`) when a hand-built document is invalid.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
export function compilePolicy(document: PolicyDocument): CompiledPolicy {
  return compilePolicyImpl(document);
}

/**
 * Decides a request as IAM does: an applicable `Deny` wins (explicit deny), else an
 * applicable `Allow` (allowed), else implicit deny. A statement applies when its principal,
 * action, resource and every condition match. Condition key names compare
 * case-insensitively, values per operator; several values for a key are OR (negated
 * operators: none may match); several keys and operators are AND. A missing key fails a
 * condition, except for negated operators, `…IfExists`, `ForAllValues:` (vacuously true)
 * and `Null`. Every statement is evaluated in full and traced.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
export function evaluatePolicy(policy: PolicyDocument | CompiledPolicy, request: PolicyRequest): PolicyEvaluation {
  return evaluatePolicyImpl(policy, request);
}

/**
 * Explains an evaluation in a few lines: the decision first (`ALLOW (allowed by statement
 * 0 "Sid")`, `DENY (explicit deny by statement 2 "Sid")`, `DENY (implicit: no statement
 * allowed the request)`), then each statement with its principal, action, resource and
 * conditions marked `✓` or `✗` (red with `color: true`).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
export function formatEvaluation(evaluation: PolicyEvaluation, options?: FormatEvaluationOptions): string {
  return formatEvaluationImpl(evaluation, options);
}
