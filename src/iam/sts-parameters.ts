/**
 * Reading and checking Query-protocol parameters against the constraints of AWS's STS API
 * model, with AWS's wording: every violated constraint is collected into one
 * `ValidationError` (`2 validation errors detected: …`).
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_RequestParameters
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_RequestParameters
 */
import { escapeUnsafeText, findUnsafeCharacter } from '../core/index.ts';
import { stsError, validationError, type ValidationIssue } from './sts-errors.ts';
import { isPolicyArn, parseRoleArn, type RoleArn } from './arn.ts';
import { SESSION_TAG_LIMITS, TAG_TEXT } from './session-tags.ts';
import { SESSION_NAME, SESSION_NAME_LENGTH } from './session-name.ts';

/** Flat Query parameters (`Tags.member.1.Key=…`), first value of each name. */
export type QueryParams = Readonly<Record<string, string>>;

/** `DurationSeconds`: 900–43200, 3600 when omitted, and never above the role's `MaxSessionDuration`. */
export const DURATION_SECONDS = { min: 900, max: 43200, default: 3600 } as const;
/** A role's `MaxSessionDuration`: 1–12 hours, 1 hour by default. @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html */
export const MAX_SESSION_DURATION_SECONDS = { min: 3600, max: 43200, default: 3600 } as const;
/** Role chaining (a role session assuming a role) is capped at one hour. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining */
export const ROLE_CHAINING_MAX_SECONDS = 3600;
/** `WebIdentityToken`: 4–20000 characters. */
export const WEB_IDENTITY_TOKEN_LENGTH = { min: 4, max: 20000 } as const;

/** What a role's `MaxSessionDuration` must be when `seconds` is not that (`whole seconds from …`), or undefined. */
export function maxSessionDurationProblem(seconds: number): string | undefined {
  const { min, max } = MAX_SESSION_DURATION_SECONDS;
  return Number.isInteger(seconds) && seconds >= min && seconds <= max ? undefined : `whole seconds from ${min} to ${max} (1 to 12 hours)`;
}

/**
 * The session's duration: `DurationSeconds` (default 3600) against the role's
 * `MaxSessionDuration` and, for role chaining, the one-hour cap; AWS's `ValidationError`s.
 */
export function checkSessionDuration(requested: number | undefined, roleMaxSeconds: number, chained: boolean): number {
  const seconds = requested ?? DURATION_SECONDS.default;
  if (chained && seconds > ROLE_CHAINING_MAX_SECONDS) {
    throw stsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (seconds > roleMaxSeconds) throw stsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  return seconds;
}
const EXTERNAL_ID = /^[\w+=,.@:/-]*$/;
/** The characters AWS's model allows in free text (`RoleArn`, `Policy`). */
const TEXT = /^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
export const MAX_LIST_MEMBERS = 50;

interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** The pattern as AWS prints it in the message. */
  patternText?: string;
  /** Never echo the value (tokens, policies). */
  secret?: boolean;
}

/** Collects constraint violations while reading parameters. */
export class ParamReader {
  readonly #params: QueryParams;
  readonly issues: ValidationIssue[] = [];

  constructor(params: QueryParams) {
    this.#params = params;
  }

  has(name: string): boolean {
    return this.#params[name] !== undefined;
  }

  #show(value: string, rule: StringRule): string | undefined {
    return rule.secret === true ? undefined : `'${value}'`;
  }

  /** A string parameter; `member` is the camelCase name AWS's messages use. */
  string(name: string, member: string, rule: StringRule & { required: true }): string;
  string(name: string, member: string, rule: StringRule & { required?: false }): string | undefined;
  string(name: string, member: string, rule: StringRule & { required?: boolean }): string | undefined {
    const value = this.#params[name];
    if (value === undefined) {
      if (rule.required === true) this.issues.push({ member, shown: 'null', constraint: 'Member must not be null' });
      return rule.required === true ? '' : undefined;
    }
    this.check(value, member, rule);
    return value;
  }

  check(value: string, member: string, rule: StringRule): void {
    // AWS counts characters; only strings with surrogate pairs differ from .length.
    const length = /[\uD800-\uDFFF]/.test(value) ? [...value].length : value.length;
    if (rule.min !== undefined && length < rule.min) {
      this.issues.push({ member, shown: this.#show(value, rule), constraint: `Member must have length greater than or equal to ${rule.min}` });
    }
    if (rule.max !== undefined && length > rule.max) {
      this.issues.push({ member, shown: this.#show(value, rule), constraint: `Member must have length less than or equal to ${rule.max}` });
    }
    if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      this.issues.push({
        member,
        shown: this.#show(value, rule),
        constraint: `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`,
      });
    }
  }

  /** An integer parameter within [min, max]. */
  integer(name: string, member: string, min: number, max: number): number | undefined {
    const value = this.#params[name];
    if (value === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(value)) {
      this.issues.push({ member, shown: `'${value}'`, constraint: 'Member must be a whole number' });
      return undefined;
    }
    const number = Number(value);
    if (number < min) this.issues.push({ member, shown: `'${number}'`, constraint: `Member must have value greater than or equal to ${min}` });
    if (number > max) this.issues.push({ member, shown: `'${number}'`, constraint: `Member must have value less than or equal to ${max}` });
    return number;
  }

  /** The members of a Query list: `Prefix.member.1[.Field]`, `Prefix.member.2…`, in order, stopping at the first gap. */
  list(prefix: string, fields: readonly string[] | undefined): Array<Record<string, string | undefined>> {
    const members: Array<Record<string, string | undefined>> = [];
    for (let index = 1; index <= MAX_LIST_MEMBERS + 1; index++) {
      const base = `${prefix}.member.${index}`;
      if (fields === undefined) {
        const value = this.#params[base];
        if (value === undefined) break;
        members.push({ value });
      } else {
        const entry = Object.fromEntries(fields.map((field) => [field, this.#params[`${base}.${field}`]]));
        if (Object.values(entry).every((value) => value === undefined)) break;
        members.push(entry);
      }
    }
    return members;
  }

  /** Throws the collected violations as one `ValidationError`. */
  finish(): void {
    if (this.issues.length > 0) throw validationError(this.issues);
  }
}

/**
 * Every parameter, name and value, is safe text (core/text.ts) before anything reads it:
 * NUL and other control characters, lone surrogates and bidirectional controls are a
 * `ValidationError` whatever the action, so none reaches a lookup, a stored row or the
 * audit log. Only a policy document may span lines (tabs and line breaks). Values are never
 * echoed: one may be a token.
 */
const MULTILINE_PARAMETERS: ReadonlySet<string> = new Set(['Policy']);

export function checkSafeParameters(params: QueryParams): void {
  const issues: ValidationIssue[] = [];
  for (const [name, value] of Object.entries(params)) {
    const unsafe = findUnsafeCharacter(name, 'line') ?? findUnsafeCharacter(value, MULTILINE_PARAMETERS.has(name) ? 'multiline' : 'line');
    if (unsafe !== undefined) {
      const member = escapeUnsafeText(name.charAt(0).toLowerCase() + name.slice(1)).slice(0, 128);
      issues.push({ member, shown: undefined, constraint: `Member must not contain control characters (found ${unsafe})` });
    }
  }
  if (issues.length > 0) throw validationError(issues);
}

/** The session parameters both AssumeRole operations take. */
export interface CommonAssumeParams {
  roleArn: RoleArn;
  roleSessionName: string;
  durationSeconds: number | undefined;
  /** The inline session policy as sent, if any. */
  policy: string | undefined;
  policyArns: string[];
}

export interface AssumeRoleWithWebIdentityParams extends CommonAssumeParams {
  webIdentityToken: string;
  providerId: string | undefined;
}

export interface AssumeRoleParams extends CommonAssumeParams {
  externalId: string | undefined;
  sourceIdentity: string | undefined;
  tags: Array<{ key: string; value: string }>;
  transitiveTagKeys: string[];
}

function readCommon(reader: ParamReader): Omit<CommonAssumeParams, 'roleArn'> & { roleArn: string } {
  const roleArn = reader.string('RoleArn', 'roleArn', { required: true, min: 20, max: 2048, pattern: TEXT, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+' });
  const roleSessionName = reader.string('RoleSessionName', 'roleSessionName', { required: true, ...SESSION_NAME_LENGTH, pattern: SESSION_NAME, patternText: '[\\w+=,.@-]*' });
  const durationSeconds = reader.integer('DurationSeconds', 'durationSeconds', DURATION_SECONDS.min, DURATION_SECONDS.max);
  const policy = reader.string('Policy', 'policy', { min: 1, max: 2048, pattern: TEXT, secret: true });
  const policyArns = reader.list('PolicyArns', ['arn']).map((member, index) => {
    const arn = member['arn'];
    if (arn === undefined) {
      reader.issues.push({ member: `policyArns.${index + 1}.member.arn`, shown: 'null', constraint: 'Member must not be null' });
      return '';
    }
    reader.check(arn, `policyArns.${index + 1}.member.arn`, { min: 20, max: 2048 });
    return arn;
  });
  if (policyArns.length > 10) {
    reader.issues.push({ member: 'policyArns', shown: undefined, constraint: 'Member must have length less than or equal to 10' });
  }
  return { roleArn, roleSessionName, durationSeconds, policy, policyArns };
}

/** Only after the constraints pass: AWS answers a well-sized but unparsable ARN with this message. */
function readRoleArn(value: string): RoleArn {
  const arn = parseRoleArn(value);
  if (arn === undefined) throw stsError('ValidationError', 'Request ARN is invalid');
  return arn;
}

function checkPolicyArns(arns: readonly string[]): void {
  for (const arn of arns) {
    if (!isPolicyArn(arn)) throw stsError('ValidationError', `Invalid ARN in PolicyArns: ${arn}`);
  }
}

export function readAssumeRoleWithWebIdentityParams(params: QueryParams): AssumeRoleWithWebIdentityParams {
  const reader = new ParamReader(params);
  const common = readCommon(reader);
  const webIdentityToken = reader.string('WebIdentityToken', 'webIdentityToken', { required: true, ...WEB_IDENTITY_TOKEN_LENGTH, secret: true });
  const providerId = reader.string('ProviderId', 'providerId', { min: 4, max: 2048 });
  reader.finish();
  const roleArn = readRoleArn(common.roleArn);
  checkPolicyArns(common.policyArns);
  return { ...common, roleArn, webIdentityToken, providerId };
}

export function readAssumeRoleParams(params: QueryParams): AssumeRoleParams {
  const reader = new ParamReader(params);
  const common = readCommon(reader);
  const externalId = reader.string('ExternalId', 'externalId', { min: 2, max: 1224, pattern: EXTERNAL_ID, patternText: '[\\w+=,.@:\\/-]*' });
  const sourceIdentity = reader.string('SourceIdentity', 'sourceIdentity', { ...SESSION_NAME_LENGTH, pattern: SESSION_NAME, patternText: '[\\w+=,.@-]*' });
  const tags = reader.list('Tags', ['Key', 'Value']).map((member, index) => {
    const key = member['Key'];
    const value = member['Value'];
    const at = `tags.${index + 1}.member`;
    if (key === undefined) reader.issues.push({ member: `${at}.key`, shown: 'null', constraint: 'Member must not be null' });
    else reader.check(key, `${at}.key`, { min: 1, max: SESSION_TAG_LIMITS.keyLength, pattern: TAG_TEXT, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' });
    if (value === undefined) reader.issues.push({ member: `${at}.value`, shown: 'null', constraint: 'Member must not be null' });
    else reader.check(value, `${at}.value`, { max: SESSION_TAG_LIMITS.valueLength, pattern: TAG_TEXT, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*' });
    return { key: key ?? '', value: value ?? '' };
  });
  if (tags.length > MAX_LIST_MEMBERS) reader.issues.push({ member: 'tags', shown: undefined, constraint: `Member must have length less than or equal to ${MAX_LIST_MEMBERS}` });
  const transitiveTagKeys = reader.list('TransitiveTagKeys', undefined).map((member, index) => {
    const key = member['value'] as string;
    reader.check(key, `transitiveTagKeys.${index + 1}.member`, { min: 1, max: SESSION_TAG_LIMITS.keyLength, pattern: TAG_TEXT, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' });
    return key;
  });
  if (transitiveTagKeys.length > MAX_LIST_MEMBERS) {
    reader.issues.push({ member: 'transitiveTagKeys', shown: undefined, constraint: `Member must have length less than or equal to ${MAX_LIST_MEMBERS}` });
  }
  reader.finish();
  const roleArn = readRoleArn(common.roleArn);
  checkPolicyArns(common.policyArns);
  return { ...common, roleArn, externalId, sourceIdentity, tags, transitiveTagKeys };
}
