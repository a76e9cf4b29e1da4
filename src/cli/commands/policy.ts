import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { isRoleportError, systemClock } from '../../core/index.ts';
import { explainWebIdentity, formatExplanation, splitList, DEFAULT_EXPLAIN_ACTION, type ExplainResult } from '../../aws/index.ts';
import { evaluatePolicy, formatEvaluation, parsePolicy } from '../../policy/index.ts';
import { createTrustPolicyEngine, explainAssumeRole, formatAssumeRoleExplanation, type ExplainAssumeRoleResult } from '../../sts/index.ts';
import { isTagKey, isTagValue, maxSessionDurationProblem, type OriginFlags } from '../../iam/index.ts';
import type { ConfigFlags } from '../context.ts';
import { UsageError, print } from '../output.ts';

export interface ExplainFlags extends ConfigFlags {
  policy?: string;
  token?: string;
  claims?: string;
  provider?: string;
  action?: string;
  sessionName?: string;
  clientId?: string[];
  json?: boolean;
  principal?: string;
  principalSessionName?: string;
  resource?: string;
  identityPolicy?: string[];
  trustPolicy?: string;
  externalId?: string;
  sourceIdentity?: string;
  durationSeconds?: string;
  maxSessionDuration?: string;
  roleTag?: string[];
  secureTransport?: string;
  sourceIp?: string;
  at?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

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

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('IAM trust policies');
  policy
    .command('explain')
    .description(
      'explain offline why AWS STS would accept or refuse a token for a trust policy, or (--action sts:AssumeRole --trust-policy …) a principal with identity policies assuming a role (exit 0 for allow and deny)',
    )
    .option('--policy <file>', 'the trust policy (JSON) a web identity token is checked against')
    .option('--token <file>', "the token, or - to read it from stdin (decoded, not verified)")
    .option('--claims <file>', 'the token claims as a JSON object, instead of a token')
    .option('--provider <url-or-arn>', "the provider's URL or arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH] (default: the token's iss)")
    .option('--action <action>', 'the action to authorize', DEFAULT_EXPLAIN_ACTION)
    .option('--session-name <name>', 'the RoleSessionName (sets sts:RoleSessionName)')
    .option('--client-id <id...>', "the provider's registered client IDs, to check aud as STS does")
    .option('--principal <arn>', 'sts:AssumeRole: the caller — an IAM user ARN, a role ARN such as a permission set\'s AWSReservedSSO_… role, or a session ARN')
    .option('--principal-session-name <name>', 'sts:AssumeRole with a role --principal: the caller\'s own session name (default roleport)')
    .option('--resource <role-arn>', 'sts:AssumeRole: the role to assume')
    .option('--identity-policy <file>', "sts:AssumeRole: an identity policy of the caller, e.g. roleport aws permission-set-policy's output (repeatable)", collect)
    .option('--trust-policy <file>', "sts:AssumeRole: the role's trust policy")
    .option('--external-id <id>', 'sts:AssumeRole: the ExternalId (sets sts:ExternalId)')
    .option('--source-identity <id>', 'sts:AssumeRole: the SourceIdentity (sets sts:SourceIdentity)')
    .option('--duration-seconds <seconds>', 'the DurationSeconds of the request (role chaining allows at most 3600)')
    .option('--max-session-duration <seconds>', "the role's MaxSessionDuration, 3600-43200 (default 3600)")
    .option('--role-tag <key=value>', "a tag of the role (iam:ResourceTag/…, aws:ResourceTag/…; repeatable)", collect)
    .option('--secure-transport <true|false>', 'whether the call comes over HTTPS (aws:SecureTransport; default true, as the AWS SDKs call)')
    .option('--source-ip <address>', "the caller's address (aws:SourceIp; default: absent)")
    .option('--at <time>', 'when the call is made (aws:CurrentTime, token expiry): ISO 8601 or epoch seconds (default now)')
    .option('--json', 'print {decision, statements, checks, sts, …} as JSON')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ExplainFlags>();
      const explained = explainPolicy(flags, command.getOptionValueSource('action') === 'default');
      const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
      print({ json: flags.json === true }, explained.result, () => explained.format(color));
    });
}

/**
 * `roleport policy explain` without commander: the flags as parsed, the result and its text
 * form. The web identity form (`--policy` with `--token`/`--claims`) or, when a flag of the
 * AssumeRole form is given, that one. Throws `UsageError` for bad input.
 */
export function explainPolicy(flags: ExplainFlags, actionDefaulted: boolean): { result: ExplainResult | ExplainAssumeRoleResult; format: (color: boolean) => string } {
  if (ASSUME_ROLE_FLAGS.some((name) => flags[name] !== undefined)) {
    const result = explainAssumeRoleCommand(flags, actionDefaulted);
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
function explainAssumeRoleCommand(flags: ExplainFlags, actionDefaulted: boolean): ExplainAssumeRoleResult {
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
      // The web identity form's default action means "not given" here.
      action: actionDefaulted ? undefined : flags.action,
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

/**
 * The flags both forms share: what the explain cannot know about the role (its maximum
 * session, its tags) and about the request (transport, source address, time), which the
 * STS reads off the role and the connection.
 */
function requestFlags(flags: ExplainFlags): { durationSeconds: number | undefined; maxSessionDurationSeconds: number | undefined; roleTags: Record<string, string> | undefined } & OriginFlags {
  const seconds = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${flag} ${value}: expected a whole number of seconds`);
    return Number(value);
  };
  const maxSessionDurationSeconds = seconds('--max-session-duration', flags.maxSessionDuration);
  const problem = maxSessionDurationSeconds === undefined ? undefined : maxSessionDurationProblem(maxSessionDurationSeconds);
  if (problem !== undefined) throw new UsageError(`--max-session-duration ${flags.maxSessionDuration}: expected ${problem}`);
  let roleTags: Record<string, string> | undefined;
  for (const pair of flags.roleTag ?? []) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    const value = equals < 0 ? '' : pair.slice(equals + 1);
    if (equals < 0 || !isTagKey(key) || !isTagValue(value)) throw new UsageError(`--role-tag ${pair}: expected KEY=VALUE, a key of 1-128 and a value of 0-256 letters, digits, spaces and _.:/=+-@`);
    roleTags = { ...roleTags, [key]: value };
  }
  if (flags.secureTransport !== undefined && flags.secureTransport !== 'true' && flags.secureTransport !== 'false') {
    throw new UsageError(`--secure-transport ${flags.secureTransport}: expected true or false`);
  }
  if (flags.sourceIp !== undefined && isIP(flags.sourceIp) === 0) throw new UsageError(`--source-ip ${flags.sourceIp}: expected an IPv4 or IPv6 address`);
  let at: number | undefined;
  if (flags.at !== undefined) {
    at = /^\d{1,12}$/.test(flags.at) ? Number(flags.at) * 1000 : /^\d{4}-\d{2}-\d{2}T/.test(flags.at) ? Date.parse(flags.at) : Number.NaN;
    if (Number.isNaN(at)) throw new UsageError(`--at ${flags.at}: expected an ISO 8601 time (2030-01-01T12:00:00Z) or epoch seconds`);
  }
  const secureTransport = flags.secureTransport === undefined ? undefined : flags.secureTransport === 'true';
  return { durationSeconds: seconds('--duration-seconds', flags.durationSeconds), maxSessionDurationSeconds, roleTags, secureTransport, sourceIp: flags.sourceIp, at };
}
