/**
 * Turns a {@link PolicyDocument} into matchers once, so that an evaluation is set lookups,
 * prefix/suffix tests and precompiled wildcard walks: no parsing, no RegExp building.
 * Values holding policy variables are kept as templates and resolved per request.
 */
import { ResourcePattern } from './arn.ts';
import { keyPath, malformedPolicy, quoteList } from './errors.ts';
import { Glob } from './glob.ts';
import { buildMatcher, conditionOperators, describeExpectation, isConditionOperator, type OperatorDefinition, type ValueMatcher } from './operators.ts';
import { PrincipalMatcher } from './principal.ts';
import type { ConditionTrace, ElementTrace, PolicyCondition, PolicyDocument, PolicyEffect, PolicyStatement } from './types.ts';
import { parseTemplate, staticParts, type ValueTemplate } from './variables.ts';

export interface CompiledActions {
  readonly negated: boolean;
  readonly globs: readonly Glob[];
  /** `JSON.stringify` of each glob's source, for details. */
  readonly quoted: readonly string[];
  readonly listed: string;
}

export interface CompiledResources {
  readonly negated: boolean;
  readonly templates: readonly ValueTemplate[];
  /** Set when no value holds a policy variable. */
  readonly patterns: readonly ResourcePattern[] | undefined;
  readonly listed: string;
}

/** A matcher built for one set of substituted values (see `CompiledCondition.resolved`). */
export interface ResolvedMatcher {
  readonly matcher: ValueMatcher | undefined;
  readonly expected: readonly string[];
  /** `, expected one of ["a"] (StringEquals)`: the end of every explanation. */
  readonly explanationTail: string;
  /** Why the substituted values cannot be compared, when `matcher` is undefined. */
  readonly reason: string | undefined;
}

export interface CompiledCondition {
  readonly spec: PolicyCondition;
  /** Index of the key among the policy's distinct condition keys, for per-request lookups. */
  readonly slot: number;
  readonly definition: OperatorDefinition;
  readonly templates: readonly ValueTemplate[];
  /** Set when no value holds a policy variable. */
  readonly matcher: ValueMatcher | undefined;
  /** The values as compared (escapes resolved) when static; the raw values otherwise. */
  readonly expected: readonly string[];
  readonly expectedDisplay: string;
  /** `, expected one of ["a"] (StringEquals)`, when static: the end of every explanation. */
  readonly explanationTail: string;
  /** For `Null`: whether a missing key / a present key satisfies the condition. */
  readonly acceptsAbsent: boolean;
  readonly acceptsPresent: boolean;
  /**
   * Matchers for values with policy variables, by substituted values: requests from the
   * same caller resolve to the same values, so the wildcard compile happens once. Bounded.
   */
  readonly resolved: Map<string, ResolvedMatcher>;
  /** The trace when the key is missing, which depends on nothing else; made on first use. */
  readonly absent: { trace: ConditionTrace | undefined };
}

/**
 * Numbers the distinct values of one request field (the principal, the action, the
 * resource) seen by a policy, so each statement can keep the trace it built for a value in
 * an array slot: one map lookup per request instead of one per statement. Bounded: when
 * full it starts over under a new epoch, which empties every {@link TraceSlots}.
 */
export class TraceIndex {
  static readonly limit = 256;
  readonly #ids = new Map<string, number>();
  #epoch = 0;

  get epoch(): number {
    return this.#epoch;
  }

  id(value: string): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      if (this.#ids.size >= TraceIndex.limit) {
        this.#ids.clear();
        this.#epoch++;
      }
      id = this.#ids.size;
      this.#ids.set(value, id);
    }
    return id;
  }
}

/**
 * One statement's traces for one request field, by {@link TraceIndex} id. The traces depend
 * on that field alone, so they are built once and shared, frozen.
 */
export class TraceSlots {
  #epoch = -1;
  #traces: (ElementTrace | undefined)[] = [];

  get(index: TraceIndex, id: number): ElementTrace | undefined {
    if (this.#epoch !== index.epoch) {
      this.#epoch = index.epoch;
      this.#traces = [];
    }
    return this.#traces[id];
  }

  set(id: number, trace: ElementTrace): ElementTrace {
    this.#traces[id] = Object.freeze(trace);
    return trace;
  }
}

export interface CompiledStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: PolicyEffect;
  readonly principal: PrincipalMatcher | undefined;
  readonly principalNegated: boolean;
  readonly actions: CompiledActions;
  readonly resources: CompiledResources | undefined;
  readonly conditions: readonly CompiledCondition[];
  readonly principalTraces: TraceSlots;
  readonly actionTraces: TraceSlots;
  readonly resourceTraces: TraceSlots;
}

/** A policy compiled for fast evaluation. Obtain one from {@link compilePolicy}. */
export class CompiledPolicy {
  readonly document: PolicyDocument;
  /** @internal */
  readonly statements: readonly CompiledStatement[];
  /** @internal The context keys the statements read (condition keys and policy variables). */
  readonly keys: KeySlots;
  /** @internal Ids of the principals, actions and resources seen, for memoized traces. */
  readonly principals = new TraceIndex();
  /** @internal */
  readonly actions = new TraceIndex();
  /** @internal */
  readonly resources = new TraceIndex();

  constructor(document: PolicyDocument, statements: readonly CompiledStatement[], keys: KeySlots) {
    this.document = document;
    this.statements = statements;
    this.keys = keys;
  }
}

/** Compiled forms of frozen documents (those from `parsePolicy`), so each is compiled once. */
const cache = new WeakMap<PolicyDocument, CompiledPolicy>();

/** The part of a condition's explanation that follows the request value. */
export function explanationTail(definition: OperatorDefinition, condition: PolicyCondition, expectedDisplay: string): string {
  return `, expected ${describeExpectation(definition, condition.qualifier)} ${expectedDisplay} (${condition.block})`;
}

/**
 * Numbers the distinct context keys a policy reads, case-insensitively, so that a request's
 * context is indexed once per evaluation (one pass over its keys) and every condition then
 * reads its key from an array.
 */
export class KeySlots {
  /** Lower-cased names and the spellings used in the policy. */
  readonly #byName = new Map<string, number>();
  #count = 0;

  get count(): number {
    return this.#count;
  }

  assign(key: string): number {
    const lower = key.toLowerCase();
    let slot = this.#byName.get(lower);
    if (slot === undefined) {
      slot = this.#count++;
      this.#byName.set(lower, slot);
    }
    this.#byName.set(key, slot);
    return slot;
  }

  /** The slot of a request's context key, whatever its case; undefined when no statement reads it. */
  find(name: string): number | undefined {
    return this.#byName.get(name) ?? this.#byName.get(name.toLowerCase());
  }
}

type SlotTable = KeySlots;

function assignVariableSlots(templates: readonly ValueTemplate[], slots: SlotTable): void {
  for (const template of templates) {
    for (const part of template.parts) {
      if (part.kind === 'variable') slots.assign(part.key);
    }
  }
}

function compileCondition(condition: PolicyCondition, document: PolicyDocument, path: string, slots: SlotTable): CompiledCondition {
  if (!isConditionOperator(condition.operator)) throw malformedPolicy(`${path}.${condition.block}: unknown condition operator`);
  const definition = conditionOperators[condition.operator];
  const valuePath = `${path}.${condition.block}${keyPath(condition.key)}`;
  if (condition.values.length === 0) throw malformedPolicy(`${valuePath} must not be empty`);
  const templates = condition.values.map((value) => parseTemplate(value, document.version));
  const dynamic = templates.some((template) => template.hasVariables);
  let matcher: ValueMatcher | undefined;
  let expected: readonly string[] = condition.values;
  if (!dynamic) {
    const parts = templates.map(staticParts);
    // Shared by every trace of this condition, so frozen.
    expected = Object.freeze(parts.map((list) => list.map((part) => part.text).join('')));
    const result = buildMatcher(definition, parts);
    if (!result.ok) {
      const at = condition.values.length > 1 ? `[${result.index}]` : '';
      throw malformedPolicy(`${valuePath}${at}: ${result.reason} (${condition.operator})`);
    }
    matcher = result.matcher;
  }
  const lower = condition.values.map((value) => value.toLowerCase());
  const slot = slots.assign(condition.key);
  assignVariableSlots(templates, slots);
  return {
    spec: condition,
    slot,
    definition,
    templates,
    matcher,
    expected,
    expectedDisplay: quoteList(expected),
    explanationTail: explanationTail(definition, condition, quoteList(expected)),
    acceptsAbsent: lower.includes('true'),
    acceptsPresent: lower.includes('false'),
    resolved: new Map(),
    absent: { trace: undefined },
  };
}

function compileStatement(statement: PolicyStatement, index: number, document: PolicyDocument, slots: SlotTable): CompiledStatement {
  const path = `Statement[${index}]`;
  if (statement.effect !== 'Allow' && statement.effect !== 'Deny') throw malformedPolicy(`${path}.Effect must be "Allow" or "Deny"`);
  if ((statement.action === undefined) === (statement.notAction === undefined)) {
    throw malformedPolicy(`${path} must have exactly one of Action and NotAction`);
  }
  if (statement.principal !== undefined && statement.notPrincipal !== undefined) {
    throw malformedPolicy(`${path}: Principal and NotPrincipal cannot both be present`);
  }
  if (statement.resource !== undefined && statement.notResource !== undefined) {
    throw malformedPolicy(`${path}: Resource and NotResource cannot both be present`);
  }
  const principalSpec = statement.principal ?? statement.notPrincipal;
  const principalPath = `${path}.${statement.principal === undefined ? 'NotPrincipal' : 'Principal'}`;
  const actionList = (statement.action ?? statement.notAction) as readonly string[];
  if (actionList.length === 0) throw malformedPolicy(`${path}.${statement.action === undefined ? 'NotAction' : 'Action'} must not be empty`);
  const resourceList = statement.resource ?? statement.notResource;
  if (resourceList?.length === 0) throw malformedPolicy(`${path}.${statement.resource === undefined ? 'NotResource' : 'Resource'} must not be empty`);
  let resources: CompiledResources | undefined;
  if (resourceList !== undefined) {
    const templates = resourceList.map((value) => parseTemplate(value, document.version));
    assignVariableSlots(templates, slots);
    resources = {
      negated: statement.resource === undefined,
      templates,
      patterns: templates.some((template) => template.hasVariables)
        ? undefined
        : templates.map((template) => new ResourcePattern(staticParts(template))),
      listed: quoteList(resourceList),
    };
  }
  return {
    index,
    sid: statement.sid,
    effect: statement.effect,
    principal: principalSpec === undefined ? undefined : new PrincipalMatcher(principalSpec, principalPath),
    principalNegated: statement.notPrincipal !== undefined,
    actions: {
      negated: statement.action === undefined,
      globs: actionList.map((action) => new Glob([{ text: action, literal: false }], { ignoreCase: true })),
      quoted: actionList.map((action) => JSON.stringify(action)),
      listed: quoteList(actionList),
    },
    resources,
    conditions: statement.conditions.map((condition) => compileCondition(condition, document, `${path}.Condition`, slots)),
    principalTraces: new TraceSlots(),
    actionTraces: new TraceSlots(),
    resourceTraces: new TraceSlots(),
  };
}

/**
 * Compiles a policy document into matchers. Documents returned by `parsePolicy` are
 * compiled once and cached; a hand-built document is checked (throwing
 * `ERR_POLICY_MALFORMED`) and compiled on each call, so keep the result.
 */
export function compilePolicy(document: PolicyDocument): CompiledPolicy {
  const cached = cache.get(document);
  if (cached !== undefined) return cached;
  if (document.statements.length === 0) throw malformedPolicy('Statement must not be empty');
  const slots = new KeySlots();
  const statements = document.statements.map((statement, index) => compileStatement(statement, index, document, slots));
  const compiled = new CompiledPolicy(document, statements, slots);
  if (Object.isFrozen(document)) cache.set(document, compiled);
  return compiled;
}
