import { invalidInput, RoleportError } from '../core/index.ts';
import {
  assumeRoleWithWebIdentityContext,
  awsProviderUrlNotes,
  checkAlgorithm,
  checkSessionDuration,
  checkWebIdentityClaims,
  describeOriginDependences,
  federatedPrincipal,
  MAX_SESSION_DURATION_SECONDS,
  normalizeProviderUrl,
  offlineOrigin,
  ORIGIN_KEYS,
  packedPolicySize,
  parseOidcProviderArn,
  parseProviderReference,
  providerPrefix,
  readAssumeRoleWithWebIdentityParams,
  readContextClaimsLeniently,
  readIssuer,
  readUnverifiedToken,
  roleArn,
  SOURCE_IDENTITY_CLAIM,
  StsError,
  TAGS_CLAIM,
  unknownProvider,
  type ClaimCheckName,
  type OriginFlags,
  type PartitionId,
  type ProviderReference,
  type StsErrorCode,
  type WebIdentityContextClaims,
} from '../iam/index.ts';
import {
  evaluatePolicy,
  listFailingConditions,
  listKeyDependences,
  parsePolicy,
  type FailingCondition,
  type PolicyContext,
  type PolicyDecision,
  type PolicyDecisionReason,
  type PolicyDocument,
  type PolicyEvaluation,
  type StatementTrace,
} from '../policy/index.ts';

/**
 * `roleport policy explain`: what AWS STS would answer to `AssumeRoleWithWebIdentity` with
 * this token and this trust policy, worked out offline. Every rule comes from src/iam, the
 * same functions the local STS runs, in the STS's order — parameters, the token's algorithm
 * and issuer, its claims, the session duration, the trust policy (for the action and for
 * `sts:TagSession` / `sts:SetSourceIdentity`), the packed size — so the first failure here is
 * the error the STS answers. Only the signature is not checked: explain has no keys. What
 * the STS reads off the request (transport, source address, time) is assumed unless given.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */

export const DEFAULT_EXPLAIN_ACTION = 'sts:AssumeRoleWithWebIdentity';
/** Written for the account when neither `--provider ARN` nor the policy names one; it matches no real Principal. */
export const PLACEHOLDER_ACCOUNT = '000000000000';
/** The RoleSessionName explain asks with when none is given (STS requires one). */
export const EXPLAIN_SESSION_NAME = 'roleport-explain';

export interface ExplainOptions extends OriginFlags {
  /** The trust policy: JSON text or an already-parsed value. */
  policy: unknown;
  /** A compact JWT (surrounding whitespace is ignored) — or `claims`. */
  token?: string | undefined;
  claims?: Readonly<Record<string, unknown>> | undefined;
  /** Provider URL, `arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]`, or a built-in provider's name; default the token's `iss`. */
  provider?: string | undefined;
  /** Default {@link DEFAULT_EXPLAIN_ACTION}. */
  action?: string | undefined;
  /** `RoleSessionName` (default {@link EXPLAIN_SESSION_NAME}). */
  sessionName?: string | undefined;
  /** The provider's registered client IDs, when known: then `aud` is checked as STS does. */
  clientIds?: readonly string[] | undefined;
  /** `DurationSeconds` of the request. */
  durationSeconds?: number | undefined;
  /** The role's `MaxSessionDuration` (default 3600, as a role created without one). */
  maxSessionDurationSeconds?: number | undefined;
  /** The role's tags (`iam:ResourceTag/…`, `aws:ResourceTag/…`). */
  roleTags?: Readonly<Record<string, string>> | undefined;
  /** The STS's `sts.maxTokenAgeSeconds` ("Token too old"), when it has one. */
  maxTokenAgeSeconds?: number | undefined;
  /** Epoch milliseconds: the time unless `at` is given. */
  now: number;
}

export interface ExplainProvider {
  /** The URL when given or taken from `iss`. */
  url: string | undefined;
  /** The `Principal.Federated` value: the provider's ARN, or a built-in provider's name. */
  arn: string;
  /** Condition-key prefix: host[:port][/path]. */
  prefix: string;
  account: string | undefined;
  accountSource: 'provider-arn' | 'policy-principal' | 'placeholder' | 'built-in';
}

export interface ExplainAudience {
  /** The value used for `<prefix>:aud`, undefined when the token has none usable. */
  value: string | undefined;
  values: string[];
  /** Why this value: e.g. `azp, one of several aud values (OIDC Core §3.1.3.7)`. */
  reason: string;
}

export type StsCheckName = 'parameters' | 'algorithm' | 'issuer' | 'signature' | ClaimCheckName | 'session-duration' | 'trust-policy' | 'tag-session' | 'set-source-identity' | 'packed-size';

/** One of STS's checks as explain could make it: `fail` carries the STS error it causes. */
export interface StsCheck {
  name: StsCheckName;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  stsError: StsErrorCode | undefined;
  message: string;
}

export type { FailingCondition } from '../policy/index.ts';

/** A further action STS authorizes in the same call: `sts:TagSession`, `sts:SetSourceIdentity`. */
export interface RelatedEvaluation {
  action: string;
  why: string;
  decision: PolicyDecision;
  reason: PolicyDecisionReason;
  decidingStatements: readonly number[];
  statements: readonly StatementTrace[];
}

export interface ExplainResult {
  /** The trust policy's decision for `action`. */
  decision: PolicyDecision;
  reason: PolicyDecisionReason;
  action: string;
  decidingStatements: readonly number[];
  /** The engine's per-statement trace. */
  statements: readonly StatementTrace[];
  /** The conditions that kept an Allow statement from applying: what to fix. */
  failingConditions: FailingCondition[];
  provider: ExplainProvider;
  audience: ExplainAudience;
  /** The request context the policy was evaluated against. */
  context: PolicyContext;
  input: { kind: 'token'; header: Record<string, unknown>; claims: Record<string, unknown> } | { kind: 'claims'; claims: Record<string, unknown> };
  checks: StsCheck[];
  related: RelatedEvaluation[];
  /** What STS would answer: the first failing check in the order STS makes them. */
  sts: { outcome: 'success' } | { outcome: 'error'; code: StsErrorCode; message: string };
  notes: string[];
}

const pass = (name: StsCheckName, message: string): StsCheck => ({ name, status: 'pass', stsError: undefined, message });
const skip = (name: StsCheckName, message: string): StsCheck => ({ name, status: 'skip', stsError: undefined, message });
const failed = (name: StsCheckName, error: StsError): StsCheck => ({ name, status: 'fail', stsError: error.awsCode, message: error.detail === undefined ? error.message : `${error.message} (${error.detail})` });

/** Runs one STS check; an `StsError` becomes a failed check, anything else is thrown. */
function attempt<T>(checks: StsCheck[], name: StsCheckName, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof StsError)) throw error;
    checks.push(failed(name, error));
    return undefined;
  }
}

/**
 * Explains a trust policy's answer to a web identity token (or to bare claims). Throws
 * `ERR_POLICY_MALFORMED` for a bad policy, `ERR_TOKEN_INVALID` for a token that does not
 * decode and `ERR_INPUT_INVALID` for a bad provider or missing input — all bad input, not a
 * denial. A denial is a result.
 */
export function explainWebIdentity(options: ExplainOptions): ExplainResult {
  const policy = parsePolicy(options.policy);
  const action = options.action ?? DEFAULT_EXPLAIN_ACTION;
  if (!/^[A-Za-z0-9-]+:[A-Za-z0-9]+$/.test(action)) throw invalidInput(`--action ${JSON.stringify(action)}: expected service:Action, e.g. ${DEFAULT_EXPLAIN_ACTION}`);
  const input = readInput(options);
  const claims = input.claims;
  const checks: StsCheck[] = [];
  const notes: string[] = [];
  const { origin, sources } = offlineOrigin(options, options.now);
  const sessionName = options.sessionName ?? EXPLAIN_SESSION_NAME;
  if (options.sessionName === undefined) notes.push(`no --session-name: sts:RoleSessionName is ${EXPLAIN_SESSION_NAME}`);

  // 1. The request's parameters, read by the function the STS reads them with. The role ARN
  // is not explain's to know (a trust policy has no Resource); a placeholder passes its rule.
  const parameters: Record<string, string> = { RoleArn: roleArn('aws', PLACEHOLDER_ACCOUNT, 'roleport-explain'), RoleSessionName: sessionName, WebIdentityToken: input.kind === 'token' ? input.token : 'claims given, not a token' };
  if (options.durationSeconds !== undefined) parameters['DurationSeconds'] = String(options.durationSeconds);
  if (attempt(checks, 'parameters', () => readAssumeRoleWithWebIdentityParams(parameters)) !== undefined) {
    checks.push(pass('parameters', `RoleSessionName ${JSON.stringify(sessionName)}${input.kind === 'token' ? `, a ${input.token.length}-character token` : ''}${options.durationSeconds === undefined ? '' : `, DurationSeconds ${options.durationSeconds}`} satisfy STS's constraints`));
  }

  // 2. The token's header and issuer, as the STS reads them before it fetches a key.
  if (input.kind === 'token') {
    const alg = attempt(checks, 'algorithm', () => checkAlgorithm(input.header));
    if (alg !== undefined) checks.push(pass('algorithm', `alg ${alg} is one STS accepts`));
    if (!input.signed) notes.push('the token has no signature: STS refuses it (InvalidIdentityToken); explain never verifies signatures');
    if (['jku', 'x5u', 'jwk', 'x5c'].some((name) => input.header[name] !== undefined)) notes.push("the header carries jku/x5u/jwk/x5c: STS ignores them and uses only the keys in the provider's JWKS");
  } else {
    checks.push(skip('algorithm', 'claims given, not a token: no header to check'));
  }
  const provider = resolveProvider(options.provider, claims, policy, checks, notes);
  checks.push(skip('signature', "not verified: explain has no keys (the STS verifies it with the provider's JWKS)"));

  // 3. The claims, by the STS's own checks; their report is explain's trace.
  const verified = (() => {
    try {
      return checkWebIdentityClaims(claims, { clientIds: options.clientIds, now: Math.floor(origin.now / 1000), maxTokenAgeSeconds: options.maxTokenAgeSeconds }, (report) =>
        checks.push(report.status === 'fail' ? failed(report.name, report.error) : { name: report.name, status: report.status, stsError: undefined, message: report.message }),
      );
    } catch (error) {
      if (error instanceof StsError) return undefined;
      throw error;
    }
  })();
  const contextClaims: WebIdentityContextClaims = verified ?? readContextClaimsLeniently(claims);

  // 4. The session's duration against the role's maximum.
  const maxSession = options.maxSessionDurationSeconds ?? MAX_SESSION_DURATION_SECONDS.default;
  const duration = attempt(checks, 'session-duration', () => checkSessionDuration(options.durationSeconds, maxSession, false));
  if (duration !== undefined) checks.push(pass('session-duration', `${duration} s, within the role's MaxSessionDuration of ${maxSession} s${options.maxSessionDurationSeconds === undefined ? ' (assumed: give --max-session-duration)' : ''}`));

  // 5. The trust policy, for the action and for what tags and source identity add.
  const context = assumeRoleWithWebIdentityContext({
    origin,
    roleTags: options.roleTags ?? {},
    provider: { prefix: provider.prefix, principal: provider.arn },
    claims: contextClaims,
    roleSessionName: sessionName,
  });
  const request = { action, principal: { federated: provider.arn }, context };
  const evaluation = evaluatePolicy(policy, request);
  checks.push(
    evaluation.decision === 'allow'
      ? pass('trust-policy', `the trust policy allows ${action} (${describeDeciders(evaluation)})`)
      : { name: 'trust-policy', status: 'fail', stsError: 'AccessDenied', message: `Not authorized to perform ${action} (${evaluation.reason === 'explicit-deny' ? `explicit deny by ${describeDeciders(evaluation)}` : 'no statement allows it'})` },
  );
  const related: RelatedEvaluation[] = [];
  const relatedActions: Array<{ action: string; name: StsCheckName; claim: string; present: boolean }> = [
    { action: 'sts:TagSession', name: 'tag-session', claim: TAGS_CLAIM, present: contextClaims.sessionTags !== undefined || claims[TAGS_CLAIM] !== undefined },
    { action: 'sts:SetSourceIdentity', name: 'set-source-identity', claim: SOURCE_IDENTITY_CLAIM, present: contextClaims.sourceIdentity !== undefined || claims[SOURCE_IDENTITY_CLAIM] !== undefined },
  ];
  for (const extra of relatedActions.filter((candidate) => candidate.present)) {
    const extraEvaluation = evaluatePolicy(policy, { ...request, action: extra.action });
    related.push({ action: extra.action, why: `the token carries ${extra.claim}`, ...pickEvaluation(extraEvaluation) });
    checks.push(
      extraEvaluation.decision === 'allow'
        ? pass(extra.name, `the trust policy allows ${extra.action}`)
        : { name: extra.name, status: 'fail', stsError: 'AccessDenied', message: `Not authorized to perform ${extra.action}: the token carries ${extra.claim}, so the trust policy must allow ${extra.action}` },
    );
  }

  // 6. The packed size of the session tags (no session policy: explain takes none).
  if (contextClaims.sessionTags !== undefined) {
    const size = attempt(checks, 'packed-size', () => packedPolicySize(undefined, contextClaims.sessionTags!.tags));
    if (size !== undefined) checks.push(pass('packed-size', `the session tags use ${size}% of the packed allowance (an estimate)`));
  }

  const dependences = [evaluation, ...related].flatMap((traced) => listKeyDependences(traced, ORIGIN_KEYS));
  notes.push(...describeOriginDependences(dependences, context, sources));
  if (dependences.some((dependence) => dependence.key === 'aws:SecureTransport')) {
    const flipped = evaluatePolicy(policy, { ...request, context: { ...context, 'aws:SecureTransport': origin.secureTransport ? 'false' : 'true' } });
    if (flipped.decision !== evaluation.decision) notes.push(`over ${origin.secureTransport ? 'plain HTTP' : 'HTTPS'} (aws:SecureTransport "${origin.secureTransport ? 'false' : 'true'}") the trust policy would ${flipped.decision}`);
  }

  const firstFailure = checks.find((check) => check.status === 'fail');
  return {
    decision: evaluation.decision,
    reason: evaluation.reason,
    action,
    decidingStatements: evaluation.decidingStatements,
    statements: evaluation.statements,
    failingConditions: listFailingConditions(evaluation, { fallBackToAllAllows: true }),
    provider,
    audience: readAudience(claims, verified, contextClaims),
    context,
    input: input.kind === 'token' ? { kind: 'token', header: input.header, claims } : { kind: 'claims', claims },
    checks,
    related,
    sts:
      firstFailure === undefined || firstFailure.stsError === undefined
        ? { outcome: 'success' }
        : { outcome: 'error', code: firstFailure.stsError, message: firstFailure.message },
    notes,
  };
}

type ReadInput =
  | { kind: 'token'; token: string; header: Record<string, unknown>; claims: Record<string, unknown>; signed: boolean }
  | { kind: 'claims'; claims: Record<string, unknown> };

function readInput(options: ExplainOptions): ReadInput {
  if ((options.token === undefined) === (options.claims === undefined)) throw invalidInput('give either a token or claims');
  if (options.claims !== undefined) {
    if (typeof options.claims !== 'object' || options.claims === null || Array.isArray(options.claims)) throw invalidInput('claims must be a JSON object');
    return { kind: 'claims', claims: { ...options.claims } };
  }
  const token = options.token!.trim();
  try {
    const { header, payload, signed } = readUnverifiedToken(token);
    return { kind: 'token', token, header, claims: payload, signed };
  } catch (error) {
    // Nothing to explain without claims: bad input, with the answer STS would give.
    if (error instanceof StsError) throw new RoleportError('ERR_TOKEN_INVALID', `malformed token: ${error.awsCode}: ${error.message}`, { cause: error });
    throw error;
  }
}

function readAudience(claims: Readonly<Record<string, unknown>>, verified: { audience: string; audiences: readonly string[]; audienceReason: string } | undefined, lenient: WebIdentityContextClaims): ExplainAudience {
  if (verified !== undefined) return { value: verified.audience, values: [...verified.audiences], reason: verified.audienceReason };
  const aud = claims['aud'];
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
  return { value: lenient.audience, values, reason: lenient.audience === undefined ? 'no usable aud (several values need azp naming one of them)' : 'as the STS would choose it' };
}

/**
 * Where the token comes from, as IAM names it. The account comes from `--provider ARN`, else
 * from a Federated principal of the policy for the same host and path, else a placeholder
 * that matches no principal (and explain says so); a built-in provider needs none.
 */
function resolveProvider(given: string | undefined, claims: Record<string, unknown>, policy: PolicyDocument, checks: StsCheck[], notes: string[]): ExplainProvider {
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : undefined;
  let reference: ProviderReference;
  if (given !== undefined) {
    try {
      reference = parseProviderReference(given);
    } catch (error) {
      throw invalidInput(`--provider ${(error as Error).message.replace(/^(provider|issuer) /, '')}`, { cause: error });
    }
  } else if (iss !== undefined) {
    try {
      reference = parseProviderReference(normalizeProviderUrl(iss));
    } catch {
      throw invalidInput(`the token's iss ${JSON.stringify(iss)} is not a URL; give --provider`);
    }
  } else {
    throw invalidInput('the token has no iss claim: give --provider URL|ARN');
  }
  const prefix = reference.prefix;
  const url = reference.kind === 'arn' ? undefined : reference.url;

  // The STS looks the provider up by the token's iss: it must be the provider's URL.
  const issuer = attempt(checks, 'issuer', () => readIssuer(claims));
  if (issuer !== undefined) {
    const matches = given === undefined || (reference.kind === 'arn' ? safePrefix(normalizeProviderUrl(issuer)) === prefix : normalizeProviderUrl(issuer) === url);
    if (matches) checks.push(pass('issuer', given === undefined ? `provider taken from iss ${issuer}` : `iss ${issuer} is the provider's URL`));
    else checks.push(failed('issuer', unknownProvider(issuer)));
    const problems = safeAwsNotes(issuer);
    if (problems.length > 0) notes.push(`iss ${issuer}: ${problems.join('; ')}: AWS STS refuses it; Roleport's local STS accepts it for development`);
  }

  if (reference.kind === 'built-in') {
    return { url, arn: federatedPrincipal(prefix, 'aws', PLACEHOLDER_ACCOUNT), prefix, account: undefined, accountSource: 'built-in' };
  }
  if (reference.kind === 'arn') {
    return { url, arn: reference.arn.arn, prefix, account: reference.arn.account, accountSource: 'provider-arn' };
  }
  const named = policyFederatedValues(policy)
    .map((value) => parseOidcProviderArn(value))
    .find((arn) => arn !== undefined && arn.prefix === prefix);
  if (named !== undefined) {
    notes.push(`account ${named.account} taken from the policy's Principal.Federated`);
    return { url, arn: federatedPrincipal(prefix, named.partition, named.account), prefix, account: named.account, accountSource: 'policy-principal' };
  }
  const placeholders = policyFederatedValues(policy).filter((value) => value.endsWith(`:oidc-provider/${prefix}`) && parseOidcProviderArn(value) === undefined);
  for (const value of placeholders) notes.push(`the policy's Principal.Federated ${value} is not a valid provider ARN (the account must be 12 digits): replace the placeholder before using the policy`);
  notes.push(
    `the account is unknown (no --provider ARN, and no Principal.Federated in the policy names ${prefix}): used the placeholder ${PLACEHOLDER_ACCOUNT}; give --provider arn:aws:iam::ACCOUNT:oidc-provider/${prefix}`,
  );
  const partition: PartitionId = 'aws';
  return { url, arn: federatedPrincipal(prefix, partition, PLACEHOLDER_ACCOUNT), prefix, account: PLACEHOLDER_ACCOUNT, accountSource: 'placeholder' };
}

function safePrefix(url: string): string | undefined {
  try {
    return providerPrefix(url);
  } catch {
    return undefined;
  }
}

function safeAwsNotes(url: string): string[] {
  try {
    return awsProviderUrlNotes(url);
  } catch {
    return [];
  }
}

function policyFederatedValues(policy: PolicyDocument): string[] {
  return policy.statements.flatMap((statement) => {
    const principal = statement.principal;
    return principal === undefined || principal === '*' ? [] : [...(principal.federated ?? [])];
  });
}

function describeDeciders(evaluation: PolicyEvaluation): string {
  return evaluation.decidingStatements
    .map((index) => {
      const sid = evaluation.statements[index]?.sid;
      return sid === undefined || sid === '' ? `statement ${index}` : `statement ${index} ${JSON.stringify(sid)}`;
    })
    .join(', ');
}

function pickEvaluation(evaluation: PolicyEvaluation): Omit<RelatedEvaluation, 'action' | 'why'> {
  return { decision: evaluation.decision, reason: evaluation.reason, decidingStatements: evaluation.decidingStatements, statements: evaluation.statements };
}
