import { invalidInput } from '../core/index.ts';
import {
  evaluatePolicy,
  listFailingConditions,
  parsePolicy,
  type FailingCondition,
  type PolicyContext,
  type PolicyDecision,
  type PolicyDecisionReason,
  type PolicyDocument,
  type PolicyEvaluation,
  type StatementTrace,
} from '../policy/index.ts';
import { decodeToken } from './decode-token.ts';
import { parseIssuerUrl, parseOidcProviderArn, providerPrefix } from './provider-arn.ts';
import {
  checkAlgorithm,
  checkRequiredClaims,
  checkSessionName,
  checkTimestamps,
  checkTokenLength,
  chooseAudience,
  fail,
  pass,
  readSessionTags,
  skip,
  SOURCE_IDENTITY_CLAIM,
  TAGS_CLAIM,
  type ExplainAudience,
  type SessionTags,
  type StsCheck,
  type StsErrorCode,
} from './sts-checks.ts';

/**
 * `roleport policy explain`: what AWS STS would answer to `AssumeRoleWithWebIdentity` with
 * this token and this trust policy, worked out offline. The token is decoded without
 * verifying its signature (explain has no keys); every other check STS makes that needs no
 * network is made here and mapped to the STS error it causes, then the trust policy is
 * evaluated by the policy engine and its trace returned beside the decision.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */

export const DEFAULT_EXPLAIN_ACTION = 'sts:AssumeRoleWithWebIdentity';
/** Written for the account when neither `--provider ARN` nor the policy names one; it matches no real Principal. */
export const PLACEHOLDER_ACCOUNT = '000000000000';

export type { ExplainAudience, StsCheck, StsCheckName, StsErrorCode } from './sts-checks.ts';

export interface ExplainOptions {
  /** The trust policy: JSON text or an already-parsed value. */
  policy: unknown;
  /** A compact JWT (surrounding whitespace is ignored) — or `claims`. */
  token?: string | undefined;
  claims?: Readonly<Record<string, unknown>> | undefined;
  /** Provider URL or `arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]`; default the token's `iss`. */
  provider?: string | undefined;
  /** Default {@link DEFAULT_EXPLAIN_ACTION}. */
  action?: string | undefined;
  /** Sets `sts:RoleSessionName` and checks STS's rule for it. */
  sessionName?: string | undefined;
  /** The provider's registered client IDs, when known: then `aud` is checked as STS does. */
  clientIds?: readonly string[] | undefined;
  /** Epoch milliseconds. */
  now: number;
}

export interface ExplainProvider {
  /** The URL when given or taken from `iss`. */
  url: string | undefined;
  arn: string;
  /** Condition-key prefix: host[:port][/path]. */
  prefix: string;
  account: string;
  accountSource: 'provider-arn' | 'policy-principal' | 'placeholder';
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
  const nowSeconds = Math.floor(options.now / 1000);

  checks.push(checkSessionName(options.sessionName));
  if (input.kind === 'token') {
    checks.push(checkTokenLength(input.length));
    checks.push(checkAlgorithm(input.header));
    if (!input.hasSignature) notes.push('the token has no signature: STS refuses it (InvalidIdentityToken); explain never verifies signatures');
    if (input.header['jku'] !== undefined || input.header['x5u'] !== undefined || input.header['jwk'] !== undefined || input.header['x5c'] !== undefined) {
      notes.push('the header carries jku/x5u/jwk/x5c: STS ignores them and uses only the keys in the provider\'s JWKS');
    }
  } else {
    checks.push(skip('token-length', 'claims given, not a token'));
    checks.push(skip('algorithm', 'claims given, not a token: no header to check'));
  }
  const provider = resolveProvider(options.provider, claims, policy, checks, notes);
  checks.push(checkRequiredClaims(claims));
  const audience = chooseAudience(claims, options.clientIds, checks);
  checks.push(...checkTimestamps(claims, nowSeconds));

  const tags = readSessionTags(claims);
  const sourceIdentity = claims[SOURCE_IDENTITY_CLAIM];
  const context = buildContext(provider.prefix, claims, audience, options.sessionName, tags, sourceIdentity);
  const request = { action, principal: { federated: provider.arn }, context };
  const evaluation = evaluatePolicy(policy, request);
  checks.push(
    evaluation.decision === 'allow'
      ? pass('trust-policy', `the trust policy allows ${action} (${describeDeciders(evaluation)})`)
      : fail('trust-policy', 'AccessDenied', `Not authorized to perform ${action} (${evaluation.reason === 'explicit-deny' ? `explicit deny by ${describeDeciders(evaluation)}` : 'no statement allows it'})`),
  );

  const related: RelatedEvaluation[] = [];
  if (tags !== undefined) {
    checks.push(tags.check);
    const tagSession = evaluatePolicy(policy, { ...request, action: 'sts:TagSession' });
    related.push(relatedEvaluation('sts:TagSession', `the token carries ${TAGS_CLAIM}`, tagSession));
    checks.push(
      tagSession.decision === 'allow'
        ? pass('tag-session', 'the trust policy allows sts:TagSession for the session tags')
        : fail('tag-session', 'AccessDenied', `Not authorized to perform sts:TagSession: the token carries ${TAGS_CLAIM}, so the trust policy must allow sts:TagSession`),
    );
  }
  if (sourceIdentity !== undefined) {
    const setSourceIdentity = evaluatePolicy(policy, { ...request, action: 'sts:SetSourceIdentity' });
    related.push(relatedEvaluation('sts:SetSourceIdentity', `the token carries ${SOURCE_IDENTITY_CLAIM}`, setSourceIdentity));
    checks.push(
      typeof sourceIdentity !== 'string' || !/^[\w+=,.@-]{2,64}$/.test(sourceIdentity)
        ? fail('source-identity', 'ValidationError', `${SOURCE_IDENTITY_CLAIM} must be 2-64 characters of letters, digits and +=,.@_-`)
        : setSourceIdentity.decision === 'allow'
          ? pass('source-identity', 'the trust policy allows sts:SetSourceIdentity')
          : fail('source-identity', 'AccessDenied', `Not authorized to perform sts:SetSourceIdentity: the token carries ${SOURCE_IDENTITY_CLAIM}, so the trust policy must allow sts:SetSourceIdentity`),
    );
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
    audience,
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
  | { kind: 'token'; header: Record<string, unknown>; claims: Record<string, unknown>; length: number; hasSignature: boolean }
  | { kind: 'claims'; claims: Record<string, unknown> };

function readInput(options: ExplainOptions): ReadInput {
  if ((options.token === undefined) === (options.claims === undefined)) throw invalidInput('give either a token or claims');
  if (options.claims !== undefined) {
    if (typeof options.claims !== 'object' || options.claims === null || Array.isArray(options.claims)) throw invalidInput('claims must be a JSON object');
    return { kind: 'claims', claims: { ...options.claims } };
  }
  const decoded = decodeToken(options.token!.trim());
  return { kind: 'token', ...decoded };
}

/**
 * Where the token comes from, as IAM names it. The account comes from `--provider ARN`, else
 * from a Federated principal of the policy for the same host and path, else a placeholder
 * that matches no principal (and explain says so).
 */
function resolveProvider(given: string | undefined, claims: Record<string, unknown>, policy: PolicyDocument, checks: StsCheck[], notes: string[]): ExplainProvider {
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : undefined;
  let url: string | undefined;
  let fromArn: { partition: string; account: string; prefix: string } | undefined;
  if (given !== undefined && given.startsWith('arn:')) {
    fromArn = parseOidcProviderArn(given);
    if (fromArn === undefined) throw invalidInput(`--provider ${given}: not an OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH])`);
  } else if (given !== undefined) {
    url = (/^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}`).replace(/\/+$/, '');
    parseIssuerUrl(url);
  } else if (iss !== undefined) {
    url = iss.replace(/\/+$/, '');
    try {
      parseIssuerUrl(url);
    } catch {
      throw invalidInput(`the token's iss ${JSON.stringify(iss)} is not a URL; give --provider`);
    }
  } else {
    throw invalidInput('the token has no iss claim: give --provider URL|ARN');
  }
  const prefix = fromArn?.prefix ?? providerPrefix(url!);

  if (iss === undefined) checks.push(skip('issuer', 'no iss claim'));
  else if (given === undefined) checks.push(pass('issuer', `provider taken from iss ${iss}`));
  else if (fromArn !== undefined ? safePrefix(iss) === prefix : iss === url) checks.push(pass('issuer', `iss ${iss} is the provider's URL`));
  else checks.push(fail('issuer', 'InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${iss} (the provider is ${url ?? fromArn!.prefix})`));
  if (iss !== undefined && !iss.startsWith('https://')) notes.push(`iss ${iss} is not https: AWS STS refuses it; Roleport's local STS accepts it for development`);

  if (fromArn !== undefined) {
    return { url, arn: given!, prefix, account: fromArn.account, accountSource: 'provider-arn' };
  }
  const named = policyFederatedArns(policy).find((arn) => arn.prefix === prefix);
  if (named !== undefined) {
    notes.push(`account ${named.account} taken from the policy's Principal.Federated`);
    return { url, arn: `arn:${named.partition}:iam::${named.account}:oidc-provider/${prefix}`, prefix, account: named.account, accountSource: 'policy-principal' };
  }
  const placeholders = policyFederatedValues(policy).filter((value) => value.endsWith(`:oidc-provider/${prefix}`) && parseOidcProviderArn(value) === undefined);
  for (const value of placeholders) notes.push(`the policy's Principal.Federated ${value} is not a valid provider ARN (the account must be 12 digits): replace the placeholder before using the policy`);
  notes.push(
    `the account is unknown (no --provider ARN, and no Principal.Federated in the policy names ${prefix}): used the placeholder ${PLACEHOLDER_ACCOUNT}; give --provider arn:aws:iam::ACCOUNT:oidc-provider/${prefix}`,
  );
  return { url, arn: `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:oidc-provider/${prefix}`, prefix, account: PLACEHOLDER_ACCOUNT, accountSource: 'placeholder' };
}

function safePrefix(url: string): string | undefined {
  try {
    return providerPrefix(url);
  } catch {
    return undefined;
  }
}

function policyFederatedValues(policy: PolicyDocument): string[] {
  return policy.statements.flatMap((statement) => {
    const principal = statement.principal;
    return principal === undefined || principal === '*' ? [] : [...(principal.federated ?? [])];
  });
}

function policyFederatedArns(policy: PolicyDocument): { partition: string; account: string; prefix: string }[] {
  return policyFederatedValues(policy).flatMap((value) => {
    const arn = parseOidcProviderArn(value);
    return arn === undefined ? [] : [arn];
  });
}

/**
 * The request context of `AssumeRoleWithWebIdentity`: the OIDC keys under the provider's
 * prefix (there is no `:iss` key and no custom-claim key for generic providers), the session
 * name, and the tag keys STS sets for session tags.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */
function buildContext(
  prefix: string,
  claims: Record<string, unknown>,
  audience: ExplainAudience,
  sessionName: string | undefined,
  tags: SessionTags | undefined,
  sourceIdentity: unknown,
): PolicyContext {
  const context: Record<string, string | readonly string[]> = {};
  if (audience.value !== undefined) context[`${prefix}:aud`] = audience.value;
  for (const name of ['sub', 'azp'] as const) {
    const value = claims[name];
    if (typeof value === 'string') context[`${prefix}:${name}`] = value;
  }
  const amr = claims['amr'];
  if (typeof amr === 'string') context[`${prefix}:amr`] = [amr];
  else if (Array.isArray(amr)) context[`${prefix}:amr`] = amr.filter((value): value is string => typeof value === 'string');
  if (sessionName !== undefined) context['sts:RoleSessionName'] = sessionName;
  if (tags !== undefined) {
    for (const [key, value] of Object.entries(tags.tags)) context[`aws:RequestTag/${key}`] = value;
    context['aws:TagKeys'] = Object.keys(tags.tags);
    if (tags.transitive.length > 0) context['sts:TransitiveTagKeys'] = tags.transitive;
  }
  if (typeof sourceIdentity === 'string') context['sts:SourceIdentity'] = sourceIdentity;
  return context;
}

function describeDeciders(evaluation: PolicyEvaluation): string {
  return evaluation.decidingStatements
    .map((index) => {
      const sid = evaluation.statements[index]?.sid;
      return sid === undefined || sid === '' ? `statement ${index}` : `statement ${index} ${JSON.stringify(sid)}`;
    })
    .join(', ');
}

function relatedEvaluation(action: string, why: string, evaluation: PolicyEvaluation): RelatedEvaluation {
  return { action, why, decision: evaluation.decision, reason: evaluation.reason, decidingStatements: evaluation.decidingStatements, statements: evaluation.statements };
}
