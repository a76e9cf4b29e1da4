/**
 * The shapes of the policy engine: a parsed IAM policy document (camelCase, arrays
 * normalized, condition values as strings), the request it is evaluated against, and the
 * trace every evaluation carries.
 */

/** The two policy-language versions IAM accepts. Without `Version`, IAM assumes 2008-10-17. */
export type PolicyVersion = '2012-10-17' | '2008-10-17';

export type PolicyEffect = 'Allow' | 'Deny';

/**
 * `Principal` / `NotPrincipal`: `"*"` (everyone, anonymous included) or lists of principals
 * by type. Only the types present in the document are set.
 */
export type PolicyPrincipal =
  | '*'
  | {
      readonly aws?: readonly string[];
      readonly federated?: readonly string[];
      readonly service?: readonly string[];
    };

/** `ForAnyValue:` / `ForAllValues:`, the set qualifiers for multi-valued context keys. */
export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

/** The condition operators the engine evaluates (without qualifier or `IfExists` suffix). */
export type ConditionOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'NumericEquals'
  | 'NumericNotEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'DateEquals'
  | 'DateNotEquals'
  | 'DateLessThan'
  | 'DateLessThanEquals'
  | 'DateGreaterThan'
  | 'DateGreaterThanEquals'
  | 'Bool'
  | 'BinaryEquals'
  | 'IpAddress'
  | 'NotIpAddress'
  | 'ArnEquals'
  | 'ArnLike'
  | 'ArnNotEquals'
  | 'ArnNotLike'
  | 'Null';

/** One `operator → key → values` entry of a `Condition` block. */
export interface PolicyCondition {
  /** The operator exactly as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly block: string;
  readonly operator: ConditionOperator;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
  /** The context key as written; matched against the request case-insensitively. */
  readonly key: string;
  /** The policy values, numbers and booleans normalized to strings. Never empty. */
  readonly values: readonly string[];
}

export interface PolicyStatement {
  readonly sid: string | undefined;
  readonly effect: PolicyEffect;
  readonly principal: PolicyPrincipal | undefined;
  readonly notPrincipal: PolicyPrincipal | undefined;
  /** Exactly one of `action` / `notAction` is set. */
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  /** At most one of `resource` / `notResource` is set; neither means any resource. */
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  /** All entries must hold (AND); empty when the statement has no `Condition`. */
  readonly conditions: readonly PolicyCondition[];
}

export interface PolicyDocument {
  readonly version: PolicyVersion;
  readonly id: string | undefined;
  readonly statements: readonly PolicyStatement[];
}

/** Who is asking. For `AssumeRoleWithWebIdentity`, `federated` is the OIDC provider ARN. */
export interface RequestPrincipal {
  /** A federated provider: `arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]` or a name like `accounts.google.com`. */
  readonly federated?: string;
  /** The caller's ARN: an IAM user or role, an STS assumed-role session, or an account root. */
  readonly aws?: string;
  /** A service principal such as `ec2.amazonaws.com`. */
  readonly service?: string;
}

/** Condition context: key → value, or several values for a multi-valued key. Absent = `undefined`. */
export type PolicyContext = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface PolicyRequest {
  /** `service:Action`, e.g. `sts:AssumeRoleWithWebIdentity`. */
  readonly action: string;
  readonly principal?: RequestPrincipal;
  /** The ARN the action is on (for a trust policy: the role). */
  readonly resource?: string;
  readonly context: PolicyContext;
}

/** Whether one element (`Principal`, `Action`, `Resource`) matched, and why, in words. */
export interface ElementTrace {
  readonly matched: boolean;
  readonly detail: string;
}

export interface ConditionTrace {
  /** The operator as written, e.g. `ForAllValues:StringLike`. */
  readonly block: string;
  readonly operator: ConditionOperator;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
  readonly key: string;
  /** The policy values after policy-variable substitution. */
  readonly expected: readonly string[];
  /** The request's value(s) for the key; `undefined` when the key is missing. */
  readonly actual: string | readonly string[] | undefined;
  readonly matched: boolean;
  /** One sentence, e.g. `sts.example.com:aud is "abc", expected one of ["sts.amazonaws.com"] (StringEquals)`. */
  readonly explanation: string;
}

export interface StatementTrace {
  /** Position in the document's `Statement` array (0-based, as in error messages). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: PolicyEffect;
  readonly principal: ElementTrace;
  readonly action: ElementTrace;
  readonly resource: ElementTrace;
  readonly conditions: readonly ConditionTrace[];
  readonly conditionsMatched: boolean;
  /** principal && action && resource && conditions. */
  readonly applies: boolean;
}

export type PolicyDecision = 'allow' | 'deny';
export type PolicyDecisionReason = 'explicit-deny' | 'allowed' | 'implicit-deny';

export interface PolicyEvaluation {
  readonly decision: PolicyDecision;
  readonly reason: PolicyDecisionReason;
  /** The statements that decided: every applying Deny, else every applying Allow, else none. */
  readonly decidingStatements: readonly number[];
  readonly statements: readonly StatementTrace[];
}
