import type { ConditionTrace, PolicyEvaluation } from './types.ts';

/** A condition that kept an Allow statement from applying: what explain shows as the thing to fix. */
export interface FailingCondition {
  statement: number;
  sid: string | undefined;
  block: string;
  key: string;
  expected: readonly string[];
  actual: string | readonly string[] | undefined;
  explanation: string;
}

export interface FailingConditionsOptions {
  /**
   * When no Allow statement matched principal, action and resource, list the failing
   * conditions of every Allow statement instead of none (the web-identity explain does, since
   * its principal is derived and a near miss is still informative).
   */
  fallBackToAllAllows?: boolean;
}

/**
 * The conditions to fix: in the Allow statements whose principal, action and resource matched,
 * the conditions that did not hold. Empty when the evaluation allows.
 */
export function listFailingConditions(evaluation: PolicyEvaluation, options: FailingConditionsOptions = {}): FailingCondition[] {
  if (evaluation.decision === 'allow') return [];
  const allows = evaluation.statements.filter((statement) => statement.effect === 'Allow');
  const close = allows.filter((statement) => statement.principal.matched && statement.action.matched && statement.resource.matched);
  const from = close.length === 0 && options.fallBackToAllAllows === true ? allows : close;
  return from.flatMap((statement) =>
    statement.conditions
      .filter((condition) => !condition.matched)
      .map((condition: ConditionTrace) => ({
        statement: statement.index,
        sid: statement.sid,
        block: condition.block,
        key: condition.key,
        expected: condition.expected,
        actual: condition.actual,
        explanation: condition.explanation,
      })),
  );
}
