import type { ConditionTrace, PolicyEvaluation } from './types.ts';

/** A condition on one of the watched keys, in a statement that applies but for its conditions. */
export interface KeyDependence {
  statement: number;
  sid: string | undefined;
  /** The watched key as the caller names it (the policy may spell it in another case). */
  key: string;
  condition: ConditionTrace;
}

/**
 * The conditions that test any of `keys` (compared case-insensitively, as IAM compares key
 * names) in the statements whose principal, action and resource matched: a decision that
 * hangs on one of these would change with the key's value. Explain uses it for the keys it
 * cannot know offline (transport, source IP, time).
 */
export function listKeyDependences(evaluation: PolicyEvaluation, keys: readonly string[]): KeyDependence[] {
  const watched = new Map(keys.map((key) => [key.toLowerCase(), key]));
  return evaluation.statements
    .filter((statement) => statement.principal.matched && statement.action.matched && statement.resource.matched)
    .flatMap((statement) =>
      statement.conditions.flatMap((condition) => {
        const key = watched.get(condition.key.toLowerCase());
        return key === undefined ? [] : [{ statement: statement.index, sid: statement.sid, key, condition }];
      }),
    );
}
