import type { Command } from 'commander';
import type { ConfigFlags } from '../context.ts';
import { collect, collectSafeText, parsePositiveSeconds, parseTokenSource, safeText } from '../flags.ts';

/*
 * The admin commands that work on the data directory / database: `serve`, `config`, `keys`,
 * `token`, `issuer`, `users`, `session` and `api-keys`. Each action loads its command's
 * module only when it runs.
 */

/** The global flags (`--config`, `--data-dir`, `--database-url`) of a command. */
export function configFlags(command: Command): ConfigFlags {
  const { config, dataDir, databaseUrl } = command.optsWithGlobals<ConfigFlags>();
  return { config, dataDir, databaseUrl };
}

const json = (command: Command): boolean => command.optsWithGlobals<{ json?: boolean }>().json === true;

export function defineServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the broker')
    .action(async (_options: unknown, command: Command) => {
      const { runServe } = await import('../commands/serve.ts');
      await runServe(configFlags(command));
    });
}

export function defineConfigCommands(program: Command): void {
  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the configuration without starting anything')
    .option('--json', 'print the resolved configuration (secrets omitted) as JSON')
    .action(async (_options: unknown, command: Command) => {
      const { runConfigCheck } = await import('../commands/config.ts');
      runConfigCheck({ ...configFlags(command), json: json(command) });
    });
}

export function defineKeysCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys of the issuer');
  keys
    .command('list')
    .description('show each key: kid, algorithm, state and dates')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const { runKeysList } = await import('../commands/keys.ts');
      await runKeysList({ ...configFlags(command), json: json(command) });
    });
  keys
    .command('rotate')
    .description('publish a new key now; it signs once the JWKS cache time has passed')
    .option('--immediate', 'activate the new key at once (compromised key); verifiers with a cached JWKS may refuse new tokens until their cache expires')
    .option('--json', 'print JSON')
    .action(async (options: { immediate?: boolean }, command: Command) => {
      const { runKeysRotate } = await import('../commands/keys.ts');
      await runKeysRotate({ ...configFlags(command), json: json(command), immediate: options.immediate === true });
    });
}

export function defineTokenCommands(program: Command): void {
  const token = program.command('token').description('tokens signed by this issuer');
  token
    .command('mint')
    .description('mint a token (admin; for testing trust policies) and print it bare')
    .requiredOption('--sub <subject>', 'the sub claim', safeText('--sub', { minLength: 1, maxLength: 1024 }))
    .requiredOption('--aud <audience>', 'the aud claim (repeat for several)', collectSafeText('--aud', { minLength: 1, maxLength: 255 }))
    .option('--ttl <seconds>', 'lifetime in seconds')
    .option('--claim <key=value>', 'an extra claim; JSON values allowed (repeatable)', collect)
    .option('--json', 'print {token, jti, kid, expires_at, claims}')
    .action(async (options: { sub: string; aud: string[]; ttl?: string; claim?: string[] }, command: Command) => {
      const ttlSeconds = parsePositiveSeconds('--ttl', options.ttl);
      const { runTokenMint } = await import('../commands/token.ts');
      await runTokenMint({ ...configFlags(command), sub: options.sub, aud: options.aud, ttlSeconds, claims: options.claim ?? [], json: json(command) });
    });
}

export function defineIssuerCommands(program: Command): void {
  const issuer = program.command('issuer').description('the OIDC issuer documents');
  issuer
    .command('publish')
    .description('write discovery and JWKS into DIR for a static HTTPS host or bucket (re-run after each rotation)')
    .requiredOption('--out <dir>', 'output directory (the web root of the static host)')
    .option('--json', 'print JSON')
    .action(async (options: { out: string }, command: Command) => {
      const { runIssuerPublish } = await import('../commands/issuer.ts');
      await runIssuerPublish({ ...configFlags(command), out: options.out, json: json(command) });
    });
}

/**
 * `roleport users …`: the admin's view of users and their AWS roles, and user API tokens.
 * The commands work on the data directory / database directly; a running broker reads users
 * per request, so it serves a change at once, without a restart.
 */
export function defineUsersCommands(program: Command): void {
  const users = program.command('users').description('users and their AWS role assignments');
  users
    .command('list')
    .description('show every user with their roles and where each came from (claim or cli)')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const { runUsersList } = await import('../commands/users.ts');
      await runUsersList({ ...configFlags(command), json: json(command) });
    });
  users
    .command('get-aws-role-arns')
    .description('print the user\'s role ARNs, one per line')
    .argument('<username>', 'the user', safeText('username', { maxLength: 255 }))
    .option('--with-source', 'append a tab and the source (claim or cli) to each line')
    .option('--json', 'print JSON: {username, aws_role_arns, roles: [{arn, source}]}')
    .action(async (username: string, options: { withSource?: boolean }, command: Command) => {
      const { runGetUserRoles } = await import('../commands/users.ts');
      await runGetUserRoles({ ...configFlags(command), username, withSource: options.withSource === true, json: json(command) });
    });
  users
    .command('set-aws-role-arns')
    .description('replace the user\'s roles (source cli); creates the user if they never signed in. Roles from the IdP\'s claim replace these at the user\'s next sign-in')
    .argument('<username>', 'the user', safeText('username', { maxLength: 255 }))
    .argument('<arns>', 'comma-separated IAM role ARNs (arn:aws:iam::123456789012:role/NAME,…); "" removes every role', safeText('arns', { maxLength: 20_000 }))
    .option('--json', 'print JSON: {username, aws_role_arns, roles: [{arn, source}]}')
    .action(async (username: string, arns: string, _options: unknown, command: Command) => {
      const { runSetUserRoles } = await import('../commands/users.ts');
      await runSetUserRoles({ ...configFlags(command), username, arns, json: json(command) });
    });
  users
    .command('unbind')
    .description('forget the IdP identity (issuer and subject) the user is bound to; their next sign-in binds them again. For an IdP whose issuer changed ("belongs to another identity at the IdP")')
    .argument('<username>', 'the user')
    .option('--json', 'print JSON: {username, unbound: {issuer, subject}}')
    .action(async (username: string, _options: unknown, command: Command) => {
      const { runUnbindUser } = await import('../commands/users.ts');
      await runUnbindUser({ ...configFlags(command), username, json: json(command) });
    });
  users
    .command('delete')
    .description('delete the user with their roles and browser sign-ins, and revoke their active sessions; signing in again creates them anew')
    .argument('<username>', 'the user')
    .option('--json', 'print JSON: {username, deleted: true, revoked_sessions}')
    .action(async (username: string, _options: unknown, command: Command) => {
      const { runDeleteUser } = await import('../commands/users.ts');
      await runDeleteUser({ ...configFlags(command), username, json: json(command) });
    });

  for (const cloud of ['gcp', 'azure'] as const) {
    const label = cloud === 'gcp' ? 'GCP' : 'Azure';
    const form = cloud === 'gcp' ? 'name=NAME,provider=projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER[,service_account=EMAIL]' : 'name=NAME,tenant_id=TENANT,client_id=GUID[,subject_scope=user|target]';
    users
      .command(`get-${cloud}-targets`)
      .description(`print the user's ${label} targets, one per line (${cloud === 'gcp' ? 'name=…,provider=…[,service_account=…]' : 'name=…,tenant_id=…,client_id=…,subject_scope=…'})`)
      .argument('<username>', 'the user', safeText('username', { maxLength: 255 }))
      .option('--with-source', 'append a tab and the source (claim or cli) to each line')
      .option('--json', `print JSON: {username, ${cloud}_targets: [{…, source}]}`)
      .action(async (username: string, options: { withSource?: boolean }, command: Command) => {
        const { runGetUserTargets } = await import('../commands/users.ts');
        await runGetUserTargets({ ...configFlags(command), cloud, username, withSource: options.withSource === true, json: json(command) });
      });
    users
      .command(`set-${cloud}-targets`)
      .description(`replace the user's ${label} targets (source cli); creates the user if they never signed in. Targets from the IdP's ${cloud}_targets claim replace these at the user's next sign-in`)
      .argument('<username>', 'the user', safeText('username', { maxLength: 255 }))
      .argument('[targets...]', `each target as ${form}; none removes every ${label} target`, collectSafeText('targets', { maxLength: 2048 }))
      .option('--json', `print JSON: {username, ${cloud}_targets: [{…, source}]}`)
      .action(async (username: string, targets: string[] | undefined, _options: unknown, command: Command) => {
        const { runSetUserTargets } = await import('../commands/users.ts');
        await runSetUserTargets({ ...configFlags(command), cloud, username, targets: targets ?? [], json: json(command) });
      });
  }

  const token = users.command('token').description('user API tokens for the CLI (rpu_…)');
  token
    .command('create <username>')
    .description('create a user API token and print it once (admin, on the data directory / database)')
    .option('--ttl <seconds>', 'lifetime in seconds (default sessions.userTokenTtlSeconds)')
    .option('--json', 'print {token, username, expires_at}')
    .action(async (username: string, options: { ttl?: string }, command: Command) => {
      const ttlSeconds = parsePositiveSeconds('--ttl', options.ttl);
      const { runUserTokenCreate } = await import('../commands/users-token.ts');
      await runUserTokenCreate({ ...configFlags(command), username, ttlSeconds, json: json(command) });
    });
}

interface SessionStartFlags {
  user: string;
  role: string[];
  gcp?: string[];
  azure?: string[];
  tokenSource?: string;
  audience?: string;
  region?: string;
  ttl?: string;
}

export function defineSessionCommands(program: Command): void {
  const session = program.command('session').description('users\' sessions (admin, on the data directory / database)');
  session
    .command('start')
    .description('start a session for a user with roles they hold; prints its credential once')
    .requiredOption('--user <username>', 'the user the session is for', safeText('--user', { maxLength: 255 }))
    .requiredOption('--role <arn>', 'an IAM role ARN the user holds (repeat for several)', collectSafeText('--role', { maxLength: 2048 }))
    .option('--gcp <target>', 'a GCP target the user holds, by name (repeat for several): its own token and external_account file', collectSafeText('--gcp', { maxLength: 63 }))
    .option('--azure <target>', 'an Azure target the user holds, by name (repeat for several): its own token and AZURE_* variables', collectSafeText('--azure', { maxLength: 63 }))
    .option('--token-source <source>', 'broker (Roleport signs; each token names its role) or viewer (the IdP\'s ID token; not bound to the roles)', 'broker')
    .option('--audience <aud>', 'token audience (default tokens.defaultAudience)', safeText('--audience', { minLength: 1, maxLength: 255 }))
    .option('--region <region>', 'AWS region (default sessions.defaultRegion)', safeText('--region', { maxLength: 32 }))
    .option('--ttl <seconds>', 'token lifetime in seconds')
    .option('--json', 'print {session, credential}')
    .action(async (options: SessionStartFlags, command: Command) => {
      const tokenSource = parseTokenSource(options.tokenSource);
      const ttlSeconds = parsePositiveSeconds('--ttl', options.ttl);
      const { runSessionStart } = await import('../commands/session.ts');
      await runSessionStart({ ...configFlags(command), user: options.user, roles: options.role, gcpTargets: options.gcp ?? [], azureTargets: options.azure ?? [], tokenSource, audience: options.audience, region: options.region, ttlSeconds, json: json(command) });
    });
  session
    .command('list')
    .description('list sessions, newest first')
    .option('--user <username>', 'only this user\'s sessions', safeText('--user', { maxLength: 255 }))
    .option('--state <state>', 'active, ended or revoked')
    .option('--json', 'print {sessions: […]}')
    .action(async (options: { user?: string; state?: string }, command: Command) => {
      const { runSessionList } = await import('../commands/session.ts');
      await runSessionList({ ...configFlags(command), user: options.user, state: options.state, json: json(command) });
    });
  for (const [how, description] of [
    ['end', 'end a session: its agent gets no new token'],
    ['revoke', 'revoke a session (compromised credential): its agent gets invalid_grant'],
  ] as const) {
    session
      .command(`${how} <id>`)
      .description(description)
      .option('--json', 'print the session')
      .action(async (id: string, _options: unknown, command: Command) => {
        const { runSessionStop } = await import('../commands/session.ts');
        await runSessionStop({ ...configFlags(command), how, id, json: json(command) });
      });
  }
}

export function defineApiKeyCommands(program: Command): void {
  const keys = program.command('api-keys').description('API keys for the integrations and content API (admin, on the data directory / database)');
  keys
    .command('create')
    .description('create an API key; prints it once')
    .requiredOption('--name <name>', 'what the key is for (shown in the audit log)', safeText('--name', { maxLength: 64 }))
    .requiredOption('--role <role>', 'admin (manages integrations) or publisher (manages content, reads integrations)')
    .option('--json', 'print {id, name, role, key, created_time}')
    .action(async (options: { name: string; role: string }, command: Command) => {
      const { runApiKeyCreate } = await import('../commands/api-keys.ts');
      await runApiKeyCreate({ ...configFlags(command), name: options.name, role: options.role, json: json(command) });
    });
  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--json', 'print {api_keys: […]}')
    .action(async (_options: unknown, command: Command) => {
      const { runApiKeyList } = await import('../commands/api-keys.ts');
      await runApiKeyList({ ...configFlags(command), json: json(command) });
    });
  keys
    .command('revoke <id>')
    .description('revoke an API key: requests with it get 401 from now on')
    .option('--json', 'print the key\'s record')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { runApiKeyRevoke } = await import('../commands/api-keys.ts');
      await runApiKeyRevoke({ ...configFlags(command), id, json: json(command) });
    });
}
