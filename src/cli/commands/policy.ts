import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isRoleportError, systemClock } from '../../core/index.ts';
import { explainWebIdentity, formatExplanation, readExplainRequest, splitList, type ExplainRequestInput, type ExplainRequestValues, type ExplainResult } from '../../aws/index.ts';
import { evaluatePolicy, formatEvaluation, parsePolicy } from '../../policy/index.ts';
import { createTrustPolicyEngine, explainAssumeRole, formatAssumeRoleExplanation, type ExplainAssumeRoleResult } from '../../sts/index.ts';
import type { ConfigFlags } from '../context.ts';
import { UsageError, print } from '../output.ts';

/** `roleport policy explain`: the flags as given; which form runs depends on which are set. */
export interface PolicyExplainOptions extends ConfigFlags {
  policy?: string | undefined;
  token?: string | undefined;
  claims?: string | undefined;
  provider?: string | undefined;
  action?: string | undefined;
  sessionName?: string | undefined;
  clientId?: string[] | undefined;
  json?: boolean | undefined;
  principal?: string | undefined;
  principalSessionName?: string | undefined;
  resource?: string | undefined;
  identityPolicy?: string[] | undefined;
  trustPolicy?: string | undefined;
  externalId?: string | undefined;
  sourceIdentity?: string | undefined;
  /** Both forms: what the STS reads off the role and the request, which explain cannot know. */
  durationSeconds?: string | undefined;
  maxSessionDuration?: string | undefined;
  roleTag?: string[] | undefined;
  secureTransport?: string | undefined;
  sourceIp?: string | undefined;
  at?: string | undefined;
}

/** The flags of the `sts:AssumeRole` form; any of them selects it. */
const ASSUME_ROLE_FLAGS = ['trustPolicy', 'identityPolicy', 'principal', 'resource', 'externalId', 'principalSessionName', 'sourceIdentity'] as const;
/** The flags of the web identity form, which the AssumeRole form does not take. */
const WEB_IDENTITY_FLAGS = { policy: '--policy', token: '--token', claims: '--claims', provider: '--provider', clientId: '--client-id' } as const;
const KEBAB = (name: string): string => `--${name.replace(/[A-Z]/g, (char) => `-${char.toLowerCase()}`)}`;

function readInput(file: string, flag: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`${flag} ${file}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
}

function readClaims(file: string): Record<string, unknown> {
  const text = readInput(file, '--claims');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`--claims ${file}: not JSON (${(cause as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--claims ${file}: must be a JSON object of claims`);
  return value as Record<string, unknown>;
}

/**
 * `roleport policy explain`: offline, why AWS STS would accept or refuse a token for a trust
 * policy, or (`--action sts:AssumeRole --trust-policy …`) a principal assuming a role.
 * Exits 0 for allow and for deny.
 */
export function runPolicyExplain(flags: PolicyExplainOptions): void {
  const explained = explainPolicy(flags);
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  print({ json: flags.json === true }, explained.result, () => explained.format(color));
}

/**
 * The explanation {@link runPolicyExplain} prints: the web identity form, or the AssumeRole
 * form when one of its flags is given; its result and its text form. `UsageError` for bad input.
 */
export function explainPolicy(flags: PolicyExplainOptions): { result: ExplainResult | ExplainAssumeRoleResult; format: (color: boolean) => string } {
  if (ASSUME_ROLE_FLAGS.some((name) => flags[name] !== undefined)) {
    const result = explainAssumeRoleCommand(flags);
    return { result, format: (color) => formatAssumeRoleExplanation(result, (evaluation) => formatEvaluation(evaluation, { color })) };
  }
  if (flags.policy === undefined) {
    throw new UsageError("required option '--policy <file>' not specified (for sts:AssumeRole give --trust-policy FILE --principal ARN --resource ROLE_ARN)");
  }
  if ((flags.token === undefined) === (flags.claims === undefined)) throw new UsageError('give exactly one of --token FILE|- and --claims FILE');
  const policyText = readInput(flags.policy, '--policy');
  const tokenText = flags.token === undefined ? undefined : readInput(flags.token, '--token');
  const claims = flags.claims === undefined ? undefined : readClaims(flags.claims);
  // Explain needs no configuration: everything comes from the policy, the token and the flags.
  let result;
  try {
    result = explainWebIdentity({
      now: systemClock.now(),
      policy: policyText,
      token: tokenText,
      claims,
      provider: flags.provider,
      action: flags.action,
      sessionName: flags.sessionName,
      clientIds: flags.clientId === undefined ? undefined : splitList(flags.clientId),
      ...requestFlags(flags),
    });
  } catch (error) {
    if (isRoleportError(error) && error.code === 'ERR_POLICY_MALFORMED') throw new UsageError(`--policy ${flags.policy}: MalformedPolicyDocument: ${error.message}`);
    if (isRoleportError(error) && error.code === 'ERR_TOKEN_INVALID') throw new UsageError(`--token ${flags.token}: ${error.message}`);
    if (isRoleportError(error) && error.code === 'ERR_INPUT_INVALID') throw new UsageError(error.message);
    throw error;
  }
  // AWS SDKs send a token file as it is, so whitespace explain ignored still reaches STS.
  if (tokenText !== undefined && flags.token !== '-' && tokenText !== tokenText.trim()) {
    result.notes.push(
      `${flags.token} has whitespace around the token (ignored here): AWS SDKs send a token file as it is and STS refuses it (InvalidIdentityToken); as AWS_WEB_IDENTITY_TOKEN_FILE, write the bare token`,
    );
  }
  const explained = result;
  return { result: explained, format: (color) => formatExplanation(explained, { color }) };
}

/**
 * `policy explain --action sts:AssumeRole --principal ARN --resource ROLE_ARN
 * --identity-policy FILE… --trust-policy FILE`: the decision of the local STS's own
 * AssumeRole check, and which policy, statement and condition made it.
 */
function explainAssumeRoleCommand(flags: PolicyExplainOptions): ExplainAssumeRoleResult {
  for (const [name, flag] of Object.entries(WEB_IDENTITY_FLAGS)) {
    if (flags[name as keyof typeof WEB_IDENTITY_FLAGS] !== undefined) throw new UsageError(`${flag} is for web identity tokens; with --trust-policy, explain sts:AssumeRole takes --principal, --resource and --identity-policy`);
  }
  for (const name of ['trustPolicy', 'principal', 'resource'] as const) {
    if (flags[name] === undefined) throw new UsageError(`${KEBAB(name)} is required to explain sts:AssumeRole (--trust-policy FILE --principal ARN --resource ROLE_ARN [--identity-policy FILE…])`);
  }
  const files = flags.identityPolicy ?? [];
  if (files.filter((file) => file === '-').length > 1) throw new UsageError('--identity-policy -: standard input can be read only once');
  const fileByName = new Map<string, string>();
  const identityPolicies = files.map((file) => {
    const base = file === '-' ? 'stdin' : basename(file);
    let name = base;
    for (let n = 2; fileByName.has(name); n++) name = `${base}#${n}`;
    fileByName.set(name, file);
    return { name, document: readInput(file, '--identity-policy') };
  });
  const trustPolicy = readInput(flags.trustPolicy!, '--trust-policy');
  const engine = createTrustPolicyEngine({ parsePolicy, evaluatePolicy, formatEvaluation: (evaluation) => formatEvaluation(evaluation) });
  let result;
  try {
    result = explainAssumeRole(engine, {
      action: flags.action,
      principal: flags.principal!,
      principalSessionName: flags.principalSessionName,
      resource: flags.resource!,
      identityPolicies,
      trustPolicy,
      sessionName: flags.sessionName,
      externalId: flags.externalId,
      sourceIdentity: flags.sourceIdentity,
      ...requestFlags(flags),
      now: systemClock.now(),
    });
  } catch (error) {
    if (isRoleportError(error) && error.code === 'ERR_POLICY_MALFORMED') {
      const colon = error.message.indexOf(': ');
      const name = error.message.slice(0, colon);
      const flag = name === 'trust policy' ? `--trust-policy ${flags.trustPolicy}` : `--identity-policy ${fileByName.get(name) ?? name}`;
      throw new UsageError(`${flag}: MalformedPolicyDocument: ${error.message.slice(colon + 2)}`);
    }
    throw error;
  }
  return result;
}

/** `--flag` of each input the request rule reads (aws/explain-request.ts). */
const REQUEST_FLAGS: Record<keyof ExplainRequestInput, string> = {
  durationSeconds: '--duration-seconds',
  maxSessionDuration: '--max-session-duration',
  roleTags: '--role-tag',
  secureTransport: '--secure-transport',
  sourceIp: '--source-ip',
  at: '--at',
};

/**
 * The flags both forms share: what explain cannot know about the role (its maximum session,
 * its tags) and about the request (transport, source address, time), which the STS reads off
 * the role and the connection. Read by the rule the explain page uses too.
 */
function requestFlags(flags: PolicyExplainOptions): ExplainRequestValues {
  const read = readExplainRequest({
    durationSeconds: flags.durationSeconds,
    maxSessionDuration: flags.maxSessionDuration,
    roleTags: flags.roleTag,
    secureTransport: flags.secureTransport,
    sourceIp: flags.sourceIp,
    at: flags.at,
  });
  if (!read.ok) throw new UsageError(`${REQUEST_FLAGS[read.field]} ${read.value}: ${read.problem}`);
  return read.value;
}
