import { systemClock } from '../../core/index.ts';
import {
  buildPermissionSetPolicy,
  buildPermissionSetTrustPolicy,
  createAwsSetup,
  isSetupFormat,
  renderOidcProvider,
  renderPermissionSetPolicy,
  renderPermissionSetTrustPolicy,
  renderTrustPolicy,
  splitList,
  validatePartition,
  SETUP_FORMATS,
  type AwsPartition,
  type AwsSetup,
  type CertificateSummary,
  type OidcProviderSetup,
  type TlsFinding,
  type SetupFormat,
  type TrustedTokenSource,
} from '../../aws/index.ts';
import { configFromFlags, type ConfigFlags } from '../context.ts';
import { UsageError } from '../output.ts';
import { parseWholeSeconds } from '../flags.ts';

interface FormatFlags extends ConfigFlags {
  format?: string | undefined;
  json?: boolean | undefined;
  partition?: string | undefined;
}

/** `roleport aws trust-policy`; `--format` defaults to json. */
export interface AwsTrustPolicyOptions extends FormatFlags {
  roleName: string;
  account?: string | undefined;
  subLike?: string[] | undefined;
  audience?: string | undefined;
  sessionTags?: boolean | undefined;
  sourceIdentity?: boolean | undefined;
  issuer?: string | undefined;
  maxSessionDuration?: string | undefined;
  forPermissionSet?: string | undefined;
  /** broker (default) or viewer. */
  tokenSource?: string | undefined;
}

/** `roleport aws oidc-provider`. */
export interface AwsOidcProviderOptions extends FormatFlags {
  issuer?: string | undefined;
  audience?: string[] | undefined;
  account?: string | undefined;
  offline?: boolean | undefined;
}

/** `roleport aws permission-set-policy`. */
export interface AwsPermissionSetPolicyOptions extends FormatFlags {
  accounts: string[];
  roles: string[];
  name?: string | undefined;
}

function setupFromFlags(flags: ConfigFlags): AwsSetup {
  return setupOf(configFromFlags(flags));
}

function setupOf(config: ReturnType<typeof configFromFlags>): AwsSetup {
  return createAwsSetup({ issuer: config.issuer, subjectTemplate: config.tokens.subjectTemplate, defaultAudience: config.tokens.defaultAudience, clock: systemClock });
}

function warn(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}

function tokenSourceOf(flags: AwsTrustPolicyOptions): TrustedTokenSource {
  const source = flags.tokenSource ?? 'broker';
  if (source !== 'broker' && source !== 'viewer') throw new UsageError(`--token-source ${source}: expected broker or viewer`);
  return source;
}

/** `--token-source viewer`: the company IdP's issuer and the broker's client id there, unless given. */
function viewerDefaults(config: ReturnType<typeof configFromFlags>, flags: AwsTrustPolicyOptions): { issuer: string; audience: string } {
  const issuer = flags.issuer ?? config.sso.issuer;
  const audience = flags.audience ?? config.sso.clientId;
  if (issuer === undefined) throw new UsageError('--token-source viewer: give --issuer (the IdP\'s issuer URL) or configure sso.issuer');
  if (audience === undefined) throw new UsageError('--token-source viewer: give --audience (the broker\'s client id at the IdP) or configure sso.clientId');
  return { issuer, audience };
}

/** `--json` is `--format json`; asking for both JSON and another format is a contradiction. */
function documentFormat(flags: FormatFlags): SetupFormat {
  const format = flags.format ?? 'json';
  if (!isSetupFormat(format)) throw new UsageError(`--format ${format}: expected one of ${SETUP_FORMATS.join(', ')}`);
  if (flags.json === true && format !== 'json') throw new UsageError(`--json prints JSON; it cannot be combined with --format ${format}`);
  return format;
}

function partitionOf(flags: FormatFlags): AwsPartition | undefined {
  return flags.partition === undefined ? undefined : validatePartition(flags.partition);
}

function note(text: string): void {
  process.stderr.write(`note: ${text}\n`);
}

/** `roleport aws trust-policy`: the trust policy of a role assumed with this issuer's tokens, or by a permission set's users. */
export function runAwsTrustPolicy(flags: AwsTrustPolicyOptions): void {
  const format = documentFormat(flags);
  if (flags.forPermissionSet !== undefined) {
    permissionSetTrustPolicy(flags, format);
    return;
  }
  const tokenSource = tokenSourceOf(flags);
  const config = configFromFlags(flags);
  const viewer = tokenSource === 'viewer' ? viewerDefaults(config, flags) : undefined;
  const result = setupOf(config).trustPolicy({
    roleName: flags.roleName,
    issuer: viewer?.issuer ?? flags.issuer,
    account: flags.account,
    partition: partitionOf(flags),
    subLike: flags.subLike,
    audience: viewer?.audience ?? flags.audience,
    tokenSource,
    sessionTags: flags.sessionTags === true,
    sourceIdentity: flags.sourceIdentity === true,
    maxSessionDurationSeconds: parseWholeSeconds('--max-session-duration', flags.maxSessionDuration),
  });
  if (result.accountPlaceholder && format === 'json') note(`no --account: replace ACCOUNT_ID in ${result.providerArn} and in the :sub pattern with the account of the role (its OIDC provider is in the same account)`);
  if (result.issuer.startsWith('http://')) note(`the issuer ${result.issuer} is http: AWS requires https (fine for Roleport's local STS)`);
  if (!result.roleBinding.bound) warn(`${result.roleBinding.reason}. AWS cannot refuse a token of a session that does not hold ${flags.roleName}.`);
  process.stdout.write(renderTrustPolicy(result, format));
}

/** `roleport aws oidc-provider`: the IAM OIDC identity provider to create for this issuer. */
export async function runAwsOidcProvider(flags: AwsOidcProviderOptions): Promise<void> {
  if (flags.format !== undefined && !isSetupFormat(flags.format)) throw new UsageError(`--format ${flags.format}: expected one of ${SETUP_FORMATS.join(', ')}`);
  if (flags.format !== undefined && flags.json === true) throw new UsageError('--json prints the findings; it cannot be combined with --format');
  const setup = setupFromFlags(flags);
  const result = await setup.oidcProvider({
    issuer: flags.issuer,
    audiences: flags.audience === undefined ? undefined : splitList(flags.audience),
    account: flags.account,
    partition: partitionOf(flags),
    offline: flags.offline === true,
  });
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(oidcProviderJson(result), null, 2)}\n`);
    return;
  }
  if (flags.format !== undefined) {
    for (const text of result.notes) note(text);
    process.stdout.write(renderOidcProvider(result, flags.format as SetupFormat));
    return;
  }
  process.stdout.write(`${oidcProviderText(result)}\n`);
}

/** `roleport aws permission-set-policy`: the inline policy letting a permission set's users assume the roles. */
export function runAwsPermissionSetPolicy(flags: AwsPermissionSetPolicyOptions): void {
  const format = documentFormat(flags);
  const result = buildPermissionSetPolicy({
    accounts: splitList(flags.accounts),
    roles: splitList(flags.roles),
    partition: partitionOf(flags),
    permissionSetName: flags.name,
  });
  process.stdout.write(renderPermissionSetPolicy(result, format));
}

/** `trust-policy --for-permission-set NAME`: the role trusts the permission set's users, not tokens. */
function permissionSetTrustPolicy(flags: AwsTrustPolicyOptions, format: SetupFormat): void {
  const webIdentityOnly = { subLike: '--sub-like', audience: '--audience', sessionTags: '--session-tags', sourceIdentity: '--source-identity', issuer: '--issuer', tokenSource: '--token-source' } as const;
  for (const [name, flag] of Object.entries(webIdentityOnly)) {
    if (flags[name as keyof typeof webIdentityOnly] !== undefined) throw new UsageError(`${flag} is for web identity trust policies; --for-permission-set trusts the permission set's users`);
  }
  const result = buildPermissionSetTrustPolicy({
    roleName: flags.roleName,
    permissionSetName: flags.forPermissionSet!,
    accounts: flags.account === undefined ? undefined : splitList(flags.account),
    partition: partitionOf(flags),
    maxSessionDurationSeconds: parseWholeSeconds('--max-session-duration', flags.maxSessionDuration),
  });
  if (result.accountPlaceholder && format === 'json') note('no --account: replace ACCOUNT_ID with the account(s) where the permission set\'s users sign in');
  note(`the permission set's inline policy must also allow sts:AssumeRole on ${flags.roleName} (roleport aws permission-set-policy): this policy trusts the account, not one role`);
  process.stdout.write(renderPermissionSetTrustPolicy(result, format));
}

function oidcProviderJson(result: OidcProviderSetup): Record<string, unknown> {
  return {
    url: result.url,
    client_ids: result.clientIds,
    thumbprints: result.thumbprints,
    thumbprint_required: result.thumbprints.length > 0,
    provider_arn: result.providerArn ?? null,
    tls: tlsJson(result.tls),
    notes: result.notes,
  };
}

function tlsJson(tls: TlsFinding): Record<string, unknown> {
  const cert = (c: CertificateSummary): Record<string, string> => ({ subject: c.subject, issuer: c.issuer, sha1: c.sha1, valid_to: c.validTo });
  if (tls.status === 'public') return { status: tls.status, host: tls.host, port: tls.port, chain: tls.chain.map(cert) };
  if (tls.status === 'private') return { status: tls.status, host: tls.host, port: tls.port, reason: tls.reason, chain: tls.chain.map(cert), thumbprint_of: cert(tls.thumbprintOf) };
  return { status: tls.status };
}

function oidcProviderText(result: OidcProviderSetup): string {
  const lines = [
    `url:         ${result.url}`,
    `client ids:  ${result.clientIds.join(', ')}`,
    `thumbprint:  ${result.thumbprints.length === 0 ? 'none needed' : result.thumbprints.join(', ')}`,
  ];
  if (result.providerArn !== undefined) lines.push(`arn:         ${result.providerArn}`);
  if (result.tls.status === 'private' || result.tls.status === 'public') {
    lines.push(`tls:         ${result.tls.status} chain of ${result.tls.host}:${result.tls.port}`);
    for (const cert of result.tls.chain) lines.push(`               ${cert.subject} (sha1 ${cert.sha1})`);
  }
  for (const text of result.notes) lines.push(`note: ${text}`);
  const thumbprint = result.thumbprints.length === 0 ? '' : ` --thumbprint-list ${result.thumbprints.join(' ')}`;
  lines.push('', `create it: aws iam create-open-id-connect-provider --url ${result.url} --client-id-list ${result.clientIds.join(' ')}${thumbprint}`);
  return lines.join('\n');
}
