/**
 * Reads an IAM policy JSON document into a {@link PolicyDocument}: checks its shape, turns
 * single values into arrays and condition values into strings, then compiles it so that
 * bad operator values are reported here too, not at the first evaluation.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
import { compilePolicy } from './compile-policy.ts';
import { keyPath, malformedPolicy } from './errors.ts';
import { isConditionOperator } from './operators.ts';
import type { ConditionOperator, PolicyCondition, PolicyDocument, PolicyPrincipal, PolicyStatement, PolicyVersion, SetQualifier } from './types.ts';

const TOP_LEVEL_ELEMENTS = ['Version', 'Id', 'Statement'] as const;
const STATEMENT_ELEMENTS = ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'] as const;
const PRINCIPAL_TYPES = ['AWS', 'Federated', 'Service'] as const;
const VERSIONS: readonly string[] = ['2012-10-17', '2008-10-17'] satisfies PolicyVersion[];
/** `service:Action` with wildcards allowed, or `*`. */
const ACTION = /^(?:\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+)$/;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownElements(object: JsonObject, known: readonly string[], path: (key: string) => string, what: string): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const suggestion = known.find((name) => name.toLowerCase() === key.toLowerCase());
    throw malformedPolicy(`${path(key)}: unknown ${what}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`);
  }
}

function readStringList(value: unknown, path: string): string[] {
  if (typeof value === 'string') {
    if (value === '') throw malformedPolicy(`${path} must not be empty`);
    return [value];
  }
  if (!Array.isArray(value)) throw malformedPolicy(`${path} must be a string or an array of strings`);
  if (value.length === 0) throw malformedPolicy(`${path} must not be empty`);
  return value.map((item: unknown, index) => {
    if (typeof item !== 'string') throw malformedPolicy(`${path}[${index}] must be a string`);
    if (item === '') throw malformedPolicy(`${path}[${index}] must not be empty`);
    return item;
  });
}

function readActions(value: unknown, path: string): string[] {
  const actions = readStringList(value, path);
  actions.forEach((action, index) => {
    if (!ACTION.test(action)) {
      throw malformedPolicy(`${path}[${index}]: ${JSON.stringify(action)} is not an action (expected "service:Action" or "*")`);
    }
  });
  return actions;
}

function readPrincipal(value: unknown, path: string): PolicyPrincipal {
  if (value === '*') return '*';
  if (!isObject(value)) throw malformedPolicy(`${path} must be "*" or an object with AWS, Federated or Service`);
  rejectUnknownElements(value, PRINCIPAL_TYPES, (key) => `${path}.${key}`, 'principal type (expected AWS, Federated or Service)');
  if (Object.keys(value).length === 0) throw malformedPolicy(`${path} must name at least one principal`);
  const principal: { aws?: string[]; federated?: string[]; service?: string[] } = {};
  if (value['AWS'] !== undefined) principal.aws = readStringList(value['AWS'], `${path}.AWS`);
  if (value['Federated'] !== undefined) principal.federated = readStringList(value['Federated'], `${path}.Federated`);
  if (value['Service'] !== undefined) principal.service = readStringList(value['Service'], `${path}.Service`);
  return principal;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its qualifier, operator and suffix. */
function readOperatorName(block: string, path: string): { operator: ConditionOperator; qualifier: SetQualifier | undefined; ifExists: boolean } {
  let name = block;
  let qualifier: SetQualifier | undefined;
  for (const candidate of ['ForAnyValue', 'ForAllValues'] as const) {
    if (name.startsWith(`${candidate}:`)) {
      qualifier = candidate;
      name = name.slice(candidate.length + 1);
      break;
    }
  }
  let ifExists = false;
  if (name.endsWith('IfExists') && isConditionOperator(name.slice(0, -'IfExists'.length))) {
    ifExists = true;
    name = name.slice(0, -'IfExists'.length);
  }
  if (!isConditionOperator(name)) throw malformedPolicy(`${path}: unknown condition operator`);
  if (name === 'Null' && ifExists) throw malformedPolicy(`${path}: Null cannot take the IfExists suffix (it already tests whether the key exists)`);
  if (name === 'Null' && qualifier !== undefined) throw malformedPolicy(`${path}: Null cannot take a ${qualifier}: qualifier`);
  return { operator: name, qualifier, ifExists };
}

function readConditionValue(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw malformedPolicy(`${path} must be a string, number or boolean`);
}

function readConditions(value: unknown, path: string): PolicyCondition[] {
  if (!isObject(value)) throw malformedPolicy(`${path} must be an object of condition operators`);
  const conditions: PolicyCondition[] = [];
  for (const [block, entries] of Object.entries(value)) {
    const blockPath = `${path}.${block}`;
    const { operator, qualifier, ifExists } = readOperatorName(block, blockPath);
    if (!isObject(entries)) throw malformedPolicy(`${blockPath} must be an object of condition keys`);
    if (Object.keys(entries).length === 0) throw malformedPolicy(`${blockPath} must not be empty`);
    for (const [key, raw] of Object.entries(entries)) {
      const valuePath = `${blockPath}${keyPath(key)}`;
      if (key.trim() === '') throw malformedPolicy(`${blockPath}: a condition key must not be empty`);
      let values: string[];
      if (Array.isArray(raw)) {
        if (raw.length === 0) throw malformedPolicy(`${valuePath} must not be empty`);
        values = raw.map((item: unknown, index) => readConditionValue(item, `${valuePath}[${index}]`));
      } else {
        values = [readConditionValue(raw, valuePath)];
      }
      conditions.push({ block, operator, qualifier, ifExists, key, values });
    }
  }
  return conditions;
}

function readStatement(value: unknown, index: number): PolicyStatement {
  const path = `Statement[${index}]`;
  if (!isObject(value)) throw malformedPolicy(`${path} must be an object`);
  rejectUnknownElements(value, STATEMENT_ELEMENTS, (key) => `${path}.${key}`, 'statement element');
  const has = (key: string): boolean => value[key] !== undefined;
  const sid = value['Sid'];
  if (sid !== undefined && typeof sid !== 'string') throw malformedPolicy(`${path}.Sid must be a string`);
  const effect = value['Effect'];
  if (effect === undefined) throw malformedPolicy(`${path}.Effect is required`);
  if (effect !== 'Allow' && effect !== 'Deny') throw malformedPolicy(`${path}.Effect must be "Allow" or "Deny"`);
  for (const [a, b] of [
    ['Principal', 'NotPrincipal'],
    ['Action', 'NotAction'],
    ['Resource', 'NotResource'],
  ] as const) {
    if (has(a) && has(b)) throw malformedPolicy(`${path}: ${a} and ${b} cannot both be present`);
  }
  if (!has('Action') && !has('NotAction')) throw malformedPolicy(`${path} must have Action or NotAction`);
  return {
    sid,
    effect,
    principal: has('Principal') ? readPrincipal(value['Principal'], `${path}.Principal`) : undefined,
    notPrincipal: has('NotPrincipal') ? readPrincipal(value['NotPrincipal'], `${path}.NotPrincipal`) : undefined,
    action: has('Action') ? readActions(value['Action'], `${path}.Action`) : undefined,
    notAction: has('NotAction') ? readActions(value['NotAction'], `${path}.NotAction`) : undefined,
    resource: has('Resource') ? readStringList(value['Resource'], `${path}.Resource`) : undefined,
    notResource: has('NotResource') ? readStringList(value['NotResource'], `${path}.NotResource`) : undefined,
    conditions: has('Condition') ? readConditions(value['Condition'], `${path}.Condition`) : [],
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses and validates an IAM policy given as JSON text or as an already-parsed value.
 * Throws `RoleportError('ERR_POLICY_MALFORMED')` whose message names the offending element,
 * e.g. `Statement[1].Effect must be "Allow" or "Deny"`. The result is deeply frozen and
 * already compiled: evaluating it does not parse or compile again.
 */
export function parsePolicy(document: unknown): PolicyDocument {
  let raw = document;
  if (typeof document === 'string') {
    try {
      raw = JSON.parse(document);
    } catch (error) {
      throw malformedPolicy(`policy is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isObject(raw)) throw malformedPolicy('policy must be a JSON object');
  rejectUnknownElements(raw, TOP_LEVEL_ELEMENTS, (key) => key, 'top-level element');
  const version = raw['Version'] ?? '2008-10-17';
  if (typeof version !== 'string' || !VERSIONS.includes(version)) throw malformedPolicy('Version must be "2012-10-17" or "2008-10-17"');
  const id = raw['Id'];
  if (id !== undefined && typeof id !== 'string') throw malformedPolicy('Id must be a string');
  const statementValue = raw['Statement'];
  if (statementValue === undefined) throw malformedPolicy('Statement is required');
  const list = Array.isArray(statementValue) ? (statementValue as unknown[]) : [statementValue];
  if (!Array.isArray(statementValue) && !isObject(statementValue)) throw malformedPolicy('Statement must be an object or an array of objects');
  if (list.length === 0) throw malformedPolicy('Statement must not be empty');
  const statements = list.map((statement, index) => readStatement(statement, index));
  const seen = new Map<string, number>();
  statements.forEach((statement, index) => {
    if (statement.sid === undefined || statement.sid === '') return;
    const first = seen.get(statement.sid);
    if (first !== undefined) throw malformedPolicy(`Statement[${index}].Sid ${JSON.stringify(statement.sid)} repeats Statement[${first}].Sid`);
    seen.set(statement.sid, index);
  });
  const parsed = deepFreeze<PolicyDocument>({ version: version as PolicyVersion, id, statements });
  compilePolicy(parsed);
  return parsed;
}
