import type { Command } from 'commander';
import { collect, collectSafeText, parsePort, safeText } from '../flags.ts';
import { configFlags } from './admin.ts';

/*
 * The commands for building and testing an AWS setup offline: `aws` (what to register in
 * AWS), `policy explain`, and the local STS (`sts`). Each action loads its command's module
 * only when it runs.
 */

// The help text only (the command checks --format against aws/'s SETUP_FORMATS): importing
// aws/ here would load the generators, and YAML, for every command.
const FORMAT_HELP = 'output format: json|cloudformation|terraform';

export function defineAwsCommands(program: Command): void {
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
    .option('--partition <partition>', 'the partition: aws (default), aws-cn, aws-us-gov, aws-iso, aws-iso-b, …')
    .option('--format <format>', FORMAT_HELP, 'json')
    .option('--json', 'print the policy document as JSON (same as --format json)')
    .action(async (_options: unknown, command: Command) => {
      const { runAwsTrustPolicy } = await import('../commands/aws.ts');
      runAwsTrustPolicy(command.optsWithGlobals());
    });

  aws
    .command('oidc-provider')
    .description('the IAM OIDC identity provider to create for this issuer: URL, client IDs, and a thumbprint only when the TLS chain is private')
    .option('--issuer <url>', 'the issuer URL (default: the configured issuer, ROLEPORT_ISSUER)')
    .option('--audience <aud...>', 'client IDs (audiences) to register (default: tokens.defaultAudience, sts.amazonaws.com)')
    .option('--account <id>', 'the 12-digit account, to print the provider ARN')
    .option('--partition <partition>', 'the partition: aws (default), aws-cn, aws-us-gov, aws-iso, aws-iso-b, …')
    .option('--offline', 'do not connect to the issuer to inspect its TLS chain')
    .option('--format <format>', `${FORMAT_HELP} (json: input of aws iam create-open-id-connect-provider --cli-input-json)`)
    .option('--json', 'print the findings as JSON: url, client_ids, thumbprints, tls, notes')
    .action(async (_options: unknown, command: Command) => {
      const { runAwsOidcProvider } = await import('../commands/aws.ts');
      await runAwsOidcProvider(command.optsWithGlobals());
    });

  aws
    .command('permission-set-policy')
    .description('the inline policy of an IAM Identity Center permission set letting its users sts:AssumeRole the roles in the accounts')
    .requiredOption('--accounts <ids...>', 'account ids, comma-separated or repeated: 111111111111,222222222222')
    .requiredOption('--roles <names...>', 'role names, comma-separated or repeated: ExecutionRole,ReadOnlyRole')
    .option('--name <name>', 'the permission set name in CloudFormation/Terraform output', 'RoleportAssumeRoles')
    .option('--partition <partition>', 'the partition: aws (default), aws-cn, aws-us-gov, aws-iso, aws-iso-b, …')
    .option('--format <format>', FORMAT_HELP, 'json')
    .option('--json', 'print the policy document as JSON (same as --format json)')
    .action(async (_options: unknown, command: Command) => {
      const { runAwsPermissionSetPolicy } = await import('../commands/aws.ts');
      runAwsPermissionSetPolicy(command.optsWithGlobals());
    });
}

export function definePolicyCommands(program: Command): void {
  const policy = program.command('policy').description('IAM trust policies');
  policy
    .command('explain')
    .description(
      'explain offline why AWS STS would accept or refuse a token for a trust policy, or (--action sts:AssumeRole --trust-policy …) a principal with identity policies assuming a role (exit 0 for allow and deny)',
    )
    .option('--policy <file>', 'the trust policy (JSON) a web identity token is checked against')
    .option('--token <file>', "the token, or - to read it from stdin (decoded, not verified)")
    .option('--claims <file>', 'the token claims as a JSON object, instead of a token')
    .option('--provider <url-or-arn>', "the provider's URL, arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH], or a built-in provider's name such as cognito-identity.amazonaws.com (default: the token's iss)")
    // No commander default: the AssumeRole form must tell "not given" from the web identity form's default.
    .option('--action <action>', 'the action to authorize (default: "sts:AssumeRoleWithWebIdentity")')
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
    .option('--role-tag <key=value>', 'a tag of the role (iam:ResourceTag/…, aws:ResourceTag/…; repeatable)', collect)
    .option('--secure-transport <true|false>', 'whether the call comes over HTTPS (aws:SecureTransport; default true, as the AWS SDKs call)')
    .option('--source-ip <address>', "the caller's address (aws:SourceIp; default: absent)")
    .option('--at <time>', 'when the call is made (aws:CurrentTime, token expiry): ISO 8601 or epoch seconds (default now)')
    .option('--json', 'print {decision, statements, checks, sts, …} as JSON')
    .action(async (_options: unknown, command: Command) => {
      const { runPolicyExplain } = await import('../commands/policy.ts');
      runPolicyExplain(command.optsWithGlobals());
    });
}

/** `roleport sts …`: the local STS's providers, roles and principals, and `sts serve`. */
export function defineStsCommands(program: Command): void {
  const sts = program.command('sts').description('the local STS: OIDC providers, roles, principals with identity policies, and an offline STS endpoint (AssumeRoleWithWebIdentity, AssumeRole, GetCallerIdentity)');
  const load = () => import('../commands/sts.ts');

  const provider = sts.command('provider').description('IAM OIDC identity providers the local STS trusts');
  provider
    .command('add')
    .description('register an issuer (or replace its client IDs and thumbprints)')
    .requiredOption('--url <url>', 'issuer URL, equal to the tokens\' iss (http:// is accepted locally)', safeText('--url', { maxLength: 255 }))
    .requiredOption('--client-id <id>', 'an accepted audience, e.g. sts.amazonaws.com (repeatable)', collectSafeText('--client-id', { minLength: 1, maxLength: 255 }))
    .option('--thumbprint <sha1>', 'SHA-1 thumbprint of a CA in a private TLS chain (repeatable)', collectSafeText('--thumbprint', { maxLength: 128 }))
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runStsProviderAdd(command.optsWithGlobals()));
  provider
    .command('list')
    .description('show the registered providers')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runStsProviderList(command.optsWithGlobals()));
  provider
    .command('remove')
    .description('unregister an issuer')
    .requiredOption('--url <url>', 'issuer URL', safeText('--url', { maxLength: 255 }))
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runStsProviderRemove(command.optsWithGlobals()));

  const role = sts.command('role').description('IAM roles and their trust policies');
  role
    .command('add')
    .description('register a role (or replace its trust policy, maximum session duration and tags)')
    .requiredOption('--arn <arn>', 'arn:aws:iam::ACCOUNT:role/NAME', safeText('--arn', { maxLength: 2048 }))
    .requiredOption('--trust-policy <file>', 'the trust policy JSON (- for standard input)')
    .option('--max-session-duration <seconds>', 'longest session, 3600-43200', '3600')
    .option('--tag <key=value>', 'a role tag (repeatable)', collectSafeText('--tag', { maxLength: 512 }))
    .option('--permission-policy <file>', "an identity policy of the role: what its sessions may sts:AssumeRole when they chain (repeatable)", collect)
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runStsRoleAdd(command.optsWithGlobals()));
  role
    .command('list')
    .description('show the registered roles')
    .option('--json', 'print JSON, trust policies included')
    .action(async (_options: unknown, command: Command) => (await load()).runStsRoleList(command.optsWithGlobals()));
  role
    .command('remove')
    .description('unregister a role')
    .requiredOption('--arn <arn>', 'the role ARN', safeText('--arn', { maxLength: 2048 }))
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runStsRoleRemove(command.optsWithGlobals()));

  // `sts user …`: principals with a long-term key and identity policies — IAM users, or roles
  // standing for an IAM Identity Center permission set.
  const user = sts
    .command('user')
    .alias('principal')
    .description('principals that sign AssumeRole with a long-term key: IAM users, or permission-set roles (AWSReservedSSO_…), with identity policies');
  user
    .command('add')
    .description('register a principal and print its access key pair once (re-adding replaces its policies and keeps its key)')
    .requiredOption('--arn <arn>', 'arn:aws:iam::ACCOUNT:user/NAME, or a role such as arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/REGION/AWSReservedSSO_NAME_SUFFIX', safeText('--arn', { maxLength: 2048 }))
    .option('--policy <file>', 'an identity policy, e.g. the output of roleport aws permission-set-policy (repeatable; - for standard input)', collect)
    .option('--session-name <name>', 'for a role: the session name it calls as, e.g. the SSO user name (default roleport)', safeText('--session-name', { maxLength: 64 }))
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runStsPrincipalAdd(command.optsWithGlobals()));
  user
    .command('list')
    .description('show the registered principals (never their secrets)')
    .option('--json', 'print JSON, identity policies included')
    .action(async (_options: unknown, command: Command) => (await load()).runStsPrincipalList(command.optsWithGlobals()));
  user
    .command('remove')
    .description('unregister a principal; its key stops working at once')
    .requiredOption('--arn <arn>', 'the principal ARN', safeText('--arn', { maxLength: 2048 }))
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runStsPrincipalRemove(command.optsWithGlobals()));

  sts
    .command('serve')
    .description('run only the local STS on 127.0.0.1 (point AWS_ENDPOINT_URL_STS or --endpoint-url at it)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8081')
    .option('--json', 'print {"sts": URL} once listening')
    .action(async (options: { port: string; json?: boolean }, command: Command) => {
      const port = parsePort(options.port);
      await (await load()).runStsServe({ ...configFlags(command), port, json: options.json === true });
    });
}
