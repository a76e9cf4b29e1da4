/**
 * Evaluates a policy against one request and records why each statement did or did not
 * apply.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
import {
  compilePolicy,
  CompiledPolicy,
  type CompiledActions,
  type CompiledCondition,
  type CompiledResources,
  type CompiledStatement,
  explanationTail,
  type ResolvedMatcher,
  type TraceIndex,
} from './compile-policy.ts';
import { quoteList } from './errors.ts';
import { ResourcePattern } from './arn.ts';
import type { PatternPart } from './glob.ts';
import { buildMatcher, type ValueMatcher } from './operators.ts';
import type { PrincipalMatcher } from './principal.ts';
import type {
  ConditionTrace,
  ElementTrace,
  PolicyContext,
  PolicyDocument,
  PolicyEvaluation,
  PolicyRequest,
  StatementTrace,
} from './types.ts';
import { resolveTemplate, resolveVariable, type VariableLookup } from './variables.ts';

/** A request field's id in the policy's {@link TraceIndex}. */
interface FieldId {
  readonly index: TraceIndex;
  readonly id: number;
}

interface ContextEntry {
  /** What the request gave, for the trace. */
  readonly raw: string | readonly string[] | undefined;
  /** False when the key is missing or has no values. */
  readonly present: boolean;
  /** The values of a multi-valued key (a single string is compared as `raw`). */
  readonly values: readonly string[] | undefined;
  readonly display: string;
}

const MISSING: ContextEntry = { raw: undefined, present: false, values: undefined, display: 'missing' };

function isStringArray(value: unknown): value is readonly string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return false;
  }
  return true;
}

/**
 * The request as the statements see it: context keys looked up case-insensitively and
 * remembered for this request.
 */
class RequestScope {
  readonly request: PolicyRequest;
  /** The request's value per key slot, filled in one pass over the context. */
  readonly #raw: unknown[];
  readonly #entries: (ContextEntry | undefined)[];
  readonly #policy: CompiledPolicy;
  #principalId: FieldId | undefined;
  #actionId: FieldId | undefined;
  #resourceId: FieldId | undefined;
  #lookupVariable: VariableLookup | undefined;

  constructor(request: PolicyRequest, policy: CompiledPolicy) {
    const keys = policy.keys;
    if (typeof request.action !== 'string') throw new TypeError('request.action must be a string');
    const context: PolicyContext = request.context;
    if (typeof context !== 'object' || context === null) throw new TypeError('request.context must be an object');
    this.request = request;
    this.#policy = policy;
    this.#raw = new Array<unknown>(keys.count);
    this.#entries = new Array<ContextEntry | undefined>(keys.count);
    // Condition key names are case-insensitive: each request key is mapped to the slot of
    // the policy key it names. If the request spells one key several ways, the first wins.
    const names = Object.keys(context);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const slot = keys.find(name);
      if (slot === undefined || this.#raw[slot] !== undefined) continue;
      this.#raw[slot] = context[name];
    }
  }

  /** The request's principal, numbered for the statements' memoized principal traces. */
  get principalId(): FieldId {
    if (this.#principalId === undefined) {
      const principal = this.request.principal;
      // A web identity caller has only `federated`: use it as the key without building one.
      const key =
        principal === undefined
          ? '\u0000'
          : principal.aws === undefined && principal.service === undefined && principal.federated !== undefined
            ? principal.federated
            : `\u0000${principal.federated ?? '\u0001'}\u0000${principal.aws ?? '\u0001'}\u0000${principal.service ?? '\u0001'}`;
      this.#principalId = { index: this.#policy.principals, id: this.#policy.principals.id(key) };
    }
    return this.#principalId;
  }

  get actionId(): FieldId {
    return (this.#actionId ??= { index: this.#policy.actions, id: this.#policy.actions.id(this.request.action) });
  }

  get resourceId(): FieldId {
    return (this.#resourceId ??= { index: this.#policy.resources, id: this.#policy.resources.id(this.request.resource ?? '\u0000none') });
  }

  /** Looks up policy variables (made on first use: most policies have none). */
  get lookupVariable(): VariableLookup {
    return (this.#lookupVariable ??= (key) => {
      const slot = this.#policy.keys.find(key);
      return slot === undefined ? undefined : this.lookup(slot).raw;
    });
  }

  /** The entry for a context key, by the slot the compiler gave it. */
  lookup(slot: number): ContextEntry {
    let entry = this.#entries[slot];
    if (entry === undefined) {
      entry = toEntry(this.#raw[slot]);
      this.#entries[slot] = entry;
    }
    return entry;
  }
}

function toEntry(raw: unknown): ContextEntry {
  if (typeof raw === 'string') return { raw, present: true, values: undefined, display: JSON.stringify(raw) };
  if (isStringArray(raw)) return { raw, present: raw.length > 0, values: raw, display: quoteList(raw) };
  return MISSING;
}

const NO_RESOURCE_ELEMENT: ElementTrace = Object.freeze({ matched: true, detail: 'no Resource element: the statement covers any resource' });
const NO_PRINCIPAL_ELEMENT: ElementTrace = Object.freeze({ matched: true, detail: 'no Principal element' });

function evaluateActions(statement: CompiledStatement, scope: RequestScope): ElementTrace {
  const { index, id } = scope.actionId;
  return statement.actionTraces.get(index, id) ?? statement.actionTraces.set(id, matchActions(statement.actions, scope.request.action));
}

/** Action names compare case-insensitively (the globs are compiled lower-cased). */
function matchActions(actions: CompiledActions, requested: string): ElementTrace {
  const globs = actions.globs;
  const lower = requested.toLowerCase();
  let matched: string | undefined;
  for (let i = 0; i < globs.length; i++) {
    if ((globs[i] as (typeof globs)[number]).test(lower)) {
      matched = actions.quoted[i];
      break;
    }
  }
  const action = JSON.stringify(requested);
  if (actions.negated) {
    return matched === undefined
      ? { matched: true, detail: `action ${action} is not in NotAction ${actions.listed}` }
      : { matched: false, detail: `action ${action} is excluded by NotAction ${matched}` };
  }
  return matched === undefined
    ? { matched: false, detail: `action ${action} matches none of ${actions.listed}` }
    : { matched: true, detail: `action ${action} matches ${matched}` };
}

function evaluateResources(statement: CompiledStatement, scope: RequestScope): ElementTrace {
  const resources = statement.resources;
  if (resources === undefined) return NO_RESOURCE_ELEMENT;
  // With policy variables the outcome depends on the context too: not memoized.
  if (resources.patterns === undefined) return matchResources(resources, scope);
  const { index, id } = scope.resourceId;
  return statement.resourceTraces.get(index, id) ?? statement.resourceTraces.set(id, matchResources(resources, scope));
}

function matchResources(resources: CompiledResources, scope: RequestScope): ElementTrace {
  const resource = scope.request.resource;
  let patterns = resources.patterns;
  if (patterns === undefined) {
    const resolved: ResourcePattern[] = [];
    for (const template of resources.templates) {
      const result = resolveTemplate(template, scope.lookupVariable);
      if (!result.ok) return { matched: false, detail: `${result.reason}, so the statement does not apply` };
      resolved.push(new ResourcePattern(result.parts));
    }
    patterns = resolved;
  }
  let matched: string | undefined;
  for (const pattern of patterns) {
    // A request without a resource is matched only by "*".
    if (resource === undefined ? pattern.matchesEverything : pattern.test(resource)) {
      matched = pattern.source;
      break;
    }
  }
  const subject = resource === undefined ? 'the request names no resource and' : `resource ${JSON.stringify(resource)}`;
  if (resources.negated) {
    return matched === undefined
      ? { matched: true, detail: `${subject} is not in NotResource ${resources.listed}` }
      : { matched: false, detail: `${subject} is excluded by NotResource ${JSON.stringify(matched)}` };
  }
  return matched === undefined
    ? { matched: false, detail: `${subject} matches none of ${resources.listed}` }
    : { matched: true, detail: `${subject} matches ${JSON.stringify(matched)}` };
}

function evaluatePrincipal(statement: CompiledStatement, scope: RequestScope): ElementTrace {
  if (statement.principal === undefined) return NO_PRINCIPAL_ELEMENT;
  const { index, id } = scope.principalId;
  return statement.principalTraces.get(index, id) ?? statement.principalTraces.set(id, matchPrincipal(statement, statement.principal, scope));
}

function matchPrincipal(statement: CompiledStatement, matcher: PrincipalMatcher, scope: RequestScope): ElementTrace {
  const result = matcher.match(scope.request.principal);
  if (!statement.principalNegated) return result;
  return { matched: !result.matched, detail: `NotPrincipal: ${result.detail}${result.matched ? ', so it is excluded' : ', so it is not excluded'}` };
}

function conditionTrace(
  condition: CompiledCondition,
  entry: ContextEntry,
  expected: readonly string[],
  matched: boolean,
  explanation: string,
): ConditionTrace {
  const spec = condition.spec;
  return {
    block: spec.block,
    operator: spec.operator,
    qualifier: spec.qualifier,
    ifExists: spec.ifExists,
    key: spec.key,
    expected,
    actual: entry.raw,
    matched,
    explanation,
  };
}

/**
 * Missing keys (IAM "condition operators" page): the condition is false, except that
 * `…IfExists` is true, negated operators are true, `ForAllValues:` is vacuously true and
 * `Null` tests exactly this.
 */
function evaluateMissing(condition: CompiledCondition, entry: ContextEntry, key: string): ConditionTrace {
  const { spec, definition } = condition;
  const state = entry.raw === undefined ? 'missing' : 'empty';
  let matched: boolean;
  let why: string;
  if (spec.ifExists) {
    matched = true;
    why = `${spec.block} is true`;
  } else if (spec.qualifier === 'ForAllValues') {
    matched = true;
    why = 'ForAllValues is vacuously true';
  } else if (spec.qualifier === 'ForAnyValue') {
    matched = false;
    why = 'ForAnyValue is false';
  } else if (definition.negated) {
    matched = true;
    why = `${spec.block} is true (a negated operator matches an absent key)`;
  } else {
    matched = false;
    why = `${spec.block} is false`;
  }
  return conditionTrace(condition, entry, condition.expected, matched, `key ${key} is ${state}: ${why}`);
}

function evaluateNull(condition: CompiledCondition, entry: ContextEntry, key: string): ConditionTrace {
  const present = entry.present;
  const matched = present ? condition.acceptsPresent : condition.acceptsAbsent;
  const wanted = condition.acceptsAbsent && condition.acceptsPresent ? 'either way' : condition.acceptsAbsent ? 'to be absent' : 'to be present';
  const explanation = present
    ? `key ${key} is present (${entry.display}), expected it ${wanted} (Null ${condition.expectedDisplay})`
    : `key ${key} is ${entry.raw === undefined ? 'missing' : 'empty'}, expected it ${wanted} (Null ${condition.expectedDisplay})`;
  return conditionTrace(condition, entry, condition.expected, matched, explanation);
}

const RESOLVED_CACHE_LIMIT = 256;

/**
 * Substitutes policy variables into a condition's values and compiles the result (no
 * RegExp involved), reusing the matcher when the same values come again. Returns the
 * reason as a string when a variable cannot be resolved.
 */
function resolveCondition(condition: CompiledCondition, scope: RequestScope): ResolvedMatcher | string {
  // Only the substituted values vary between requests, so they alone key the cache.
  let cacheKey = '';
  for (const template of condition.templates) {
    for (const part of template.parts) {
      if (part.kind !== 'variable') continue;
      const value = resolveVariable(part, scope.lookupVariable);
      if (value === undefined) {
        const failed = resolveTemplate(template, scope.lookupVariable);
        return failed.ok ? 'a policy variable cannot be resolved' : failed.reason;
      }
      cacheKey += `${value}\u0000`;
    }
  }
  const cached = condition.resolved.get(cacheKey);
  if (cached !== undefined) return cached;
  const parts: (readonly PatternPart[])[] = [];
  const texts: string[] = [];
  for (const template of condition.templates) {
    const resolved = resolveTemplate(template, scope.lookupVariable);
    if (!resolved.ok) return resolved.reason;
    parts.push(resolved.parts);
    texts.push(resolved.text);
  }
  const built = buildMatcher(condition.definition, parts);
  const result: ResolvedMatcher = {
    matcher: built.ok ? built.matcher : undefined,
    expected: Object.freeze(texts),
    explanationTail: explanationTail(condition.definition, condition.spec, quoteList(texts)),
    reason: built.ok ? undefined : built.reason,
  };
  if (condition.resolved.size >= RESOLVED_CACHE_LIMIT) condition.resolved.clear();
  condition.resolved.set(cacheKey, result);
  return result;
}

function evaluateCondition(condition: CompiledCondition, scope: RequestScope): ConditionTrace {
  const { spec, definition } = condition;
  const entry = scope.lookup(condition.slot);
  if (entry.raw === undefined) {
    // A missing key's outcome depends only on the condition: build its trace once.
    const absent = condition.absent;
    absent.trace ??= Object.freeze(definition.kind === 'null' ? evaluateNull(condition, entry, spec.key) : evaluateMissing(condition, entry, spec.key));
    return absent.trace;
  }
  if (definition.kind === 'null') return evaluateNull(condition, entry, spec.key);
  if (!entry.present) return evaluateMissing(condition, entry, spec.key);

  let matcher: ValueMatcher | undefined = condition.matcher;
  let expected = condition.expected;
  let tail = condition.explanationTail;
  if (matcher === undefined) {
    const resolved = resolveCondition(condition, scope);
    if (typeof resolved === 'string') {
      return conditionTrace(condition, entry, condition.expected, false, `${spec.key} is ${entry.display}, but ${resolved}: the condition is false (${spec.block})`);
    }
    if (resolved.matcher === undefined) {
      return conditionTrace(
        condition,
        entry,
        resolved.expected,
        false,
        `${spec.key} is ${entry.display}, but after substitution ${resolved.reason ?? 'a value is invalid'}: the condition is false (${spec.block})`,
      );
    }
    matcher = resolved.matcher;
    expected = resolved.expected;
    tail = resolved.explanationTail;
  }

  // Per request value: does it match one of the policy values (OR); negated operators want none.
  const negated = definition.negated;
  const raw = entry.raw;
  const values = entry.values;
  let matched: boolean;
  if (typeof raw === 'string' || values === undefined) {
    // One request value: every qualifier reduces to the operator itself.
    matched = matcher(raw as string) !== negated;
  } else if (spec.qualifier === 'ForAllValues' || (spec.qualifier === undefined && negated)) {
    // ForAllValues: every request value must satisfy the operator. Without a qualifier, a
    // negated operator on several request values must match none of them.
    matched = true;
    for (let i = 0; i < values.length; i++) {
      if (matcher(values[i] as string) !== negated) continue;
      matched = false;
      break;
    }
  } else {
    // ForAnyValue, or a positive operator without a qualifier: one request value suffices.
    // A multi-valued request value under an operator without ForAnyValue/ForAllValues is
    // our choice, because IAM only says that "multivalued context keys require a condition
    // set operator" and documents no result without one
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
    // a positive operator is true when any value matches (as ForAnyValue), a negated one
    // when none does (the branch above) — the reading that keeps "negated = not positive".
    matched = false;
    for (let i = 0; i < values.length; i++) {
      if (matcher(values[i] as string) !== negated) {
        matched = true;
        break;
      }
    }
  }

  return conditionTrace(condition, entry, expected, matched, `${spec.key} is ${entry.display}${tail}`);
}

function evaluateStatement(statement: CompiledStatement, scope: RequestScope): StatementTrace {
  const principal = evaluatePrincipal(statement, scope);
  const action = evaluateActions(statement, scope);
  const resource = evaluateResources(statement, scope);
  const conditions: ConditionTrace[] = [];
  let conditionsMatched = true;
  for (const condition of statement.conditions) {
    const trace = evaluateCondition(condition, scope);
    if (!trace.matched) conditionsMatched = false;
    conditions.push(trace);
  }
  return {
    index: statement.index,
    sid: statement.sid,
    effect: statement.effect,
    principal,
    action,
    resource,
    conditions,
    conditionsMatched,
    applies: principal.matched && action.matched && resource.matched && conditionsMatched,
  };
}

/**
 * Evaluates a policy for one request: an applicable `Deny` decides (explicit deny), else an
 * applicable `Allow` (allowed), else nothing allowed it (implicit deny). Every statement is
 * evaluated in full so the trace explains each one.
 */
export function evaluatePolicy(policy: PolicyDocument | CompiledPolicy, request: PolicyRequest): PolicyEvaluation {
  const compiled = policy instanceof CompiledPolicy ? policy : compilePolicy(policy);
  const scope = new RequestScope(request, compiled);
  const statements: StatementTrace[] = [];
  const denies: number[] = [];
  const allows: number[] = [];
  for (const statement of compiled.statements) {
    const trace = evaluateStatement(statement, scope);
    statements.push(trace);
    if (trace.applies) (trace.effect === 'Deny' ? denies : allows).push(trace.index);
  }
  if (denies.length > 0) return { decision: 'deny', reason: 'explicit-deny', decidingStatements: denies, statements };
  if (allows.length > 0) return { decision: 'allow', reason: 'allowed', decidingStatements: allows, statements };
  return { decision: 'deny', reason: 'implicit-deny', decidingStatements: [], statements };
}
