import type { Command } from 'commander';
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

interface FormatFlags extends ConfigFlags {
  format?: string;
  json?: boolean;
  partition?: string;
}

interface TrustPolicyFlags extends FormatFlags {
  roleName: string;
  tokenSource?: string;
  account?: string;
  subLike?: string[];
  audience?: string;
  sessionTags?: boolean;
  sourceIdentity?: boolean;
  issuer?: string;
  maxSessionDuration?: string;
  forPermissionSet?: string;
}

interface OidcProviderFlags extends FormatFlags {
  issuer?: string;
  audience?: string[];
  account?: string;
  offline?: boolean;
}

interface PermissionSetFlags extends FormatFlags {
  accounts: string[];
  roles: string[];
  name?: string;
}

const FORMAT_HELP = `output format: ${SETUP_FORMATS.join('|')}`;

function setupFromFlags(flags: ConfigFlags): AwsSetup {
  return setupOf(configFromFlags(flags));
}

function setupOf(config: ReturnType<typeof configFromFlags>): AwsSetup {
  return createAwsSetup({ issuer: config.issuer, subjectTemplate: config.tokens.subjectTemplate, defaultAudience: config.tokens.defaultAudience, clock: systemClock });
}

function warn(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}

function tokenSourceOf(flags: TrustPolicyFlags): TrustedTokenSource {
  const source = flags.tokenSource ?? 'broker';
  if (source !== 'broker' && source !== 'viewer') throw new UsageError(`--token-source ${source}: expected broker or viewer`);
  return source;
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

function wholeSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} ${value}: expected a whole number of seconds`);
  return Number(value);
}

export function registerAwsCommands(program: Command): void {
  const aws = program.command('aws').description('generate what to register in AWS: the OIDC provider, role trust policies, the SSO permission set policy');

  aws
    .command('trust-policy')
    .description(
      "the trust policy of a role assumed with this issuer's tokens (StringEquals on :aud, StringLike on :sub), or with --for-permission-set by an IAM Identity Center permission set's users",
    )
    .requiredOption('--role-name <name>', 'the IAM role name')
    .option(
      '--account <id>',
      'the 12-digit account of the OIDC provider; with --for-permission-set, the accounts (comma-separated) where its users sign in (default: ACCOUNT_ID, or the deploying account in CloudFormation/Terraform)',
    )
    .option('--for-permission-set <name>', "trust the users of this permission set (its AWSReservedSSO_<name>_… role) instead of web identity tokens; pairs with roleport aws permission-set-policy")
    .option(
      '--token-source <source>',
      "broker (default): Roleport's session tokens, whose sub names the role; viewer: the IdP's own ID tokens (issuer sso.issuer, audience sso.clientId), which cannot be bound to a role",
    )
    .option('--sub-like <pattern...>', "the :sub patterns to trust (StringLike, * and ?); default from the subject template with this role's account and name, e.g. user:*:role:111111111111:NAME")
    .option('--audience <aud>', 'the :aud value (default: tokens.defaultAudience, sts.amazonaws.com)')
    .option('--session-tags', 'also allow sts:TagSession (tokens with https://aws.amazon.com/tags)')
    .option('--source-identity', 'also allow sts:SetSourceIdentity (tokens with https://aws.amazon.com/source_identity)')
    .option('--issuer <url>', 'the issuer URL (default: the configured issuer, ROLEPORT_ISSUER)')
    .option('--max-session-duration <seconds>', "the role's MaxSessionDuration in CloudFormation/Terraform output (3600-43200)")
    .option('--partition <partition>', 'aws, aws-cn or aws-us-gov (default aws)')
    .option('--format <format>', FORMAT_HELP, 'json')
    .option('--json', 'print the policy document as JSON (same as --format json)')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<TrustPolicyFlags>();
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
        maxSessionDurationSeconds: wholeSeconds(flags.maxSessionDuration, '--max-session-duration'),
      });
      if (result.accountPlaceholder && format === 'json') note(`no --account: replace ACCOUNT_ID in ${result.providerArn} and in the :sub pattern with the account of the role (its OIDC provider is in the same account)`);
      if (result.issuer.startsWith('http://')) note(`the issuer ${result.issuer} is http: AWS requires https (fine for Roleport's local STS)`);
      if (!result.roleBinding.bound) warn(`${result.roleBinding.reason}. AWS cannot refuse a token of a session that does not hold ${flags.roleName}.`);
      process.stdout.write(renderTrustPolicy(result, format));
    });

  aws
    .command('oidc-provider')
    .description('the IAM OIDC identity provider to create for this issuer: URL, client IDs, and a thumbprint only when the TLS chain is private')
    .option('--issuer <url>', 'the issuer URL (default: the configured issuer, ROLEPORT_ISSUER)')
    .option('--audience <aud...>', 'client IDs (audiences) to register (default: tokens.defaultAudience, sts.amazonaws.com)')
    .option('--account <id>', 'the 12-digit account, to print the provider ARN')
    .option('--partition <partition>', 'aws, aws-cn or aws-us-gov (default aws)')
    .option('--offline', 'do not connect to the issuer to inspect its TLS chain')
    .option('--format <format>', `${FORMAT_HELP} (json: input of aws iam create-open-id-connect-provider --cli-input-json)`)
    .option('--json', 'print the findings as JSON: url, client_ids, thumbprints, tls, notes')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<OidcProviderFlags>();
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
    });

  aws
    .command('permission-set-policy')
    .description('the inline policy of an IAM Identity Center permission set letting its users sts:AssumeRole the roles in the accounts')
    .requiredOption('--accounts <ids...>', 'account ids, comma-separated or repeated: 111111111111,222222222222')
    .requiredOption('--roles <names...>', 'role names, comma-separated or repeated: ExecutionRole,ReadOnlyRole')
    .option('--name <name>', 'the permission set name in CloudFormation/Terraform output', 'RoleportAssumeRoles')
    .option('--partition <partition>', 'aws, aws-cn or aws-us-gov (default aws)')
    .option('--format <format>', FORMAT_HELP, 'json')
    .option('--json', 'print the policy document as JSON (same as --format json)')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<PermissionSetFlags>();
      const format = documentFormat(flags);
      const result = buildPermissionSetPolicy({
        accounts: splitList(flags.accounts),
        roles: splitList(flags.roles),
        partition: partitionOf(flags),
        permissionSetName: flags.name,
      });
      process.stdout.write(renderPermissionSetPolicy(result, format));
    });
}

/** `--token-source viewer`: the company IdP's issuer and the broker's client id there, unless given. */
function viewerDefaults(config: ReturnType<typeof configFromFlags>, flags: TrustPolicyFlags): { issuer: string; audience: string } {
  const issuer = flags.issuer ?? config.sso.issuer;
  const audience = flags.audience ?? config.sso.clientId;
  if (issuer === undefined) throw new UsageError('--token-source viewer: give --issuer (the IdP\'s issuer URL) or configure sso.issuer');
  if (audience === undefined) throw new UsageError('--token-source viewer: give --audience (the broker\'s client id at the IdP) or configure sso.clientId');
  return { issuer, audience };
}

/** `trust-policy --for-permission-set NAME`: the role trusts the permission set's users, not tokens. */
function permissionSetTrustPolicy(flags: TrustPolicyFlags, format: SetupFormat): void {
  const webIdentityOnly = { subLike: '--sub-like', audience: '--audience', sessionTags: '--session-tags', sourceIdentity: '--source-identity', issuer: '--issuer', tokenSource: '--token-source' } as const;
  for (const [name, flag] of Object.entries(webIdentityOnly)) {
    if (flags[name as keyof typeof webIdentityOnly] !== undefined) throw new UsageError(`${flag} is for web identity trust policies; --for-permission-set trusts the permission set's users`);
  }
  const result = buildPermissionSetTrustPolicy({
    roleName: flags.roleName,
    permissionSetName: flags.forPermissionSet!,
    accounts: flags.account === undefined ? undefined : splitList(flags.account),
    partition: partitionOf(flags),
    maxSessionDurationSeconds: wholeSeconds(flags.maxSessionDuration, '--max-session-duration'),
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
