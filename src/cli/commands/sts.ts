import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { createStsApplication } from '../../app.ts';
import { isRoleportError } from '../../core/index.ts';
import { checkRoleArn, maxSessionDurationProblem, parseRoleArn, parseUserArn } from '../../iam/index.ts';
import type { StsPrincipal, StsProvider, StsRole } from '../../sts/index.ts';
import { configFromFlags, withServices, type ConfigFlags } from '../context.ts';
import { UsageError, print, table } from '../output.ts';
import { waitForShutdown } from '../shutdown.ts';

interface StsFlags extends ConfigFlags {
  json?: boolean;
  url?: string;
  clientId?: string[];
  thumbprint?: string[];
  arn?: string;
  trustPolicy?: string;
  maxSessionDuration?: string;
  tag?: string[];
  port?: string;
  permissionPolicy?: string[];
  policy?: string[];
  sessionName?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `roleport sts …`: the local STS's providers and roles, and `sts serve`. */
export function registerStsCommands(program: Command): void {
  const sts = program.command('sts').description('the local STS: OIDC providers, roles, principals with identity policies, and an offline STS endpoint (AssumeRoleWithWebIdentity, AssumeRole, GetCallerIdentity)');

  const provider = sts.command('provider').description('IAM OIDC identity providers the local STS trusts');
  provider
    .command('add')
    .description('register an issuer (or replace its client IDs and thumbprints)')
    .requiredOption('--url <url>', 'issuer URL, equal to the tokens\' iss (http:// is accepted locally)')
    .requiredOption('--client-id <id>', 'an accepted audience, e.g. sts.amazonaws.com (repeatable)', collect)
    .option('--thumbprint <sha1>', 'SHA-1 thumbprint of a CA in a private TLS chain (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      const result = await withServices(flags, (services) =>
        services.sts.registry.addProvider({ url: flags.url!, clientIds: flags.clientId ?? [], thumbprints: flags.thumbprint }).then((added) => ({
          ...added,
          arn: services.sts.providerArn(added.provider.url),
        })),
      );
      print({ json: flags.json === true }, { change: result.change, provider: providerJson(result.provider, result.arn) }, () =>
        `${result.change} provider ${result.provider.url} (client IDs: ${result.provider.clientIds.join(', ')})`,
      );
    });
  provider
    .command('list')
    .description('show the registered providers')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      const { list, arns } = await withServices(flags, async (services) => {
        const providers = await services.sts.registry.listProviders();
        return { list: providers, arns: providers.map((p) => services.sts.providerArn(p.url)) };
      });
      print({ json: flags.json === true }, { providers: list.map((p, i) => providerJson(p, arns[i] as string)) }, () =>
        list.length === 0
          ? 'no providers (add one with: roleport sts provider add --url URL --client-id sts.amazonaws.com)'
          : table(['URL', 'CLIENT IDS', 'THUMBPRINTS', 'SOURCE'], list.map((p) => [p.url, p.clientIds.join(','), p.thumbprints.join(',') || '-', p.source])),
      );
    });
  provider
    .command('remove')
    .description('unregister an issuer')
    .requiredOption('--url <url>', 'issuer URL')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      await withServices(flags, (services) => services.sts.registry.removeProvider(flags.url!));
      print({ json: flags.json === true }, { removed: flags.url }, () => `removed provider ${flags.url}`);
    });

  const role = sts.command('role').description('IAM roles and their trust policies');
  role
    .command('add')
    .description('register a role (or replace its trust policy, maximum session duration and tags)')
    .requiredOption('--arn <arn>', 'arn:aws:iam::ACCOUNT:role/NAME')
    .requiredOption('--trust-policy <file>', 'the trust policy JSON (- for standard input)')
    .option('--max-session-duration <seconds>', 'longest session, 3600-43200', '3600')
    .option('--tag <key=value>', 'a role tag (repeatable)', collect)
    .option('--permission-policy <file>', "an identity policy of the role: what its sessions may sts:AssumeRole when they chain (repeatable)", collect)
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      const arnCheck = checkRoleArn(flags.arn!);
      if (!arnCheck.ok) throw new UsageError(`--arn ${flags.arn}: not a role ARN: ${arnCheck.reason}`);
      const permissionPolicies = readPolicyFiles(flags.permissionPolicy ?? [], '--permission-policy');
      const maxSessionDurationSeconds = Number(flags.maxSessionDuration);
      const durationProblem = maxSessionDurationProblem(maxSessionDurationSeconds);
      if (durationProblem !== undefined) throw new UsageError(`--max-session-duration ${flags.maxSessionDuration}: expected ${durationProblem}`);
      const trustPolicy = readPolicyFile(flags.trustPolicy!);
      const tags = parseTags(flags.tag ?? []);
      const result = await withServices(flags, async (services) => {
        try {
          return await services.sts.registry.addRole({ arn: flags.arn!, trustPolicy, maxSessionDurationSeconds, tags, permissionPolicies });
        } catch (error) {
          if (isRoleportError(error) && error.code === 'ERR_POLICY_MALFORMED') {
            // The registry names a failing permission policy by its name; anything else is the trust policy.
            const which = /^permission policy /.test(error.message) ? '--permission-policy' : `--trust-policy ${flags.trustPolicy}`;
            throw new UsageError(`${which}: MalformedPolicyDocument: ${error.message.replace(/^permission policy /, '')}`);
          }
          throw error;
        }
      });
      print({ json: flags.json === true }, { change: result.change, role: roleJson(result.role) }, () => `${result.change} role ${result.role.arn.arn} (max session ${result.role.maxSessionDurationSeconds} s)`);
    });
  role
    .command('list')
    .description('show the registered roles')
    .option('--json', 'print JSON, trust policies included')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      const list = await withServices(flags, (services) => services.sts.registry.listRoles());
      print({ json: flags.json === true }, { roles: list.map(roleJson) }, () =>
        list.length === 0
          ? 'no roles (add one with: roleport sts role add --arn ARN --trust-policy FILE)'
          : table(['ARN', 'MAX SESSION', 'SOURCE'], list.map((r) => [r.arn.arn, `${r.maxSessionDurationSeconds}s`, r.source])),
      );
    });
  role
    .command('remove')
    .description('unregister a role')
    .requiredOption('--arn <arn>', 'the role ARN')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      await withServices(flags, (services) => services.sts.registry.removeRole(flags.arn!));
      print({ json: flags.json === true }, { removed: flags.arn }, () => `removed role ${flags.arn}`);
    });

  registerPrincipalCommands(sts);

  sts
    .command('serve')
    .description('run only the local STS on 127.0.0.1 (point AWS_ENDPOINT_URL_STS or --endpoint-url at it)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8081')
    .option('--json', 'print {"sts": URL} once listening')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port}: expected a port number 0-65535`);
      const app = await createStsApplication(configFromFlags(flags, { 'sts.enabled': true, 'sts.listen': `127.0.0.1:${port}` }));
      let url: string;
      try {
        url = await app.listen();
      } catch (error) {
        await app.close();
        throw error;
      }
      // One line either way, like `roleport dev`, so a supervisor can read it as soon as it appears.
      process.stdout.write(flags.json === true ? `${JSON.stringify({ sts: url })}\n` : `sts: ${url}\n`);
      await waitForShutdown(() => app.close());
    });
}

function readPolicyFile(file: string, flag = '--trust-policy'): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Policy files by name: the file's name, made unique (`policy.json#2`) when two files share it. */
function readPolicyFiles(files: readonly string[], flag: string): Array<{ name: string; document: string }> {
  if (files.filter((file) => file === '-').length > 1) throw new UsageError(`${flag} -: standard input can be read only once`);
  const seen = new Map<string, number>();
  return files.map((file) => {
    const base = file === '-' ? 'stdin' : basename(file);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { name: count === 1 ? base : `${base}#${count}`, document: readPolicyFile(file, flag) };
  });
}

/**
 * `roleport sts user add|list|remove`: principals with a long-term key and identity
 * policies — IAM users, or roles standing for an IAM Identity Center permission set.
 */
function registerPrincipalCommands(sts: Command): void {
  const user = sts
    .command('user')
    .alias('principal')
    .description('principals that sign AssumeRole with a long-term key: IAM users, or permission-set roles (AWSReservedSSO_…), with identity policies');
  user
    .command('add')
    .description('register a principal and print its access key pair once (re-adding replaces its policies and keeps its key)')
    .requiredOption('--arn <arn>', 'arn:aws:iam::ACCOUNT:user/NAME, or a role such as arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/REGION/AWSReservedSSO_NAME_SUFFIX')
    .option('--policy <file>', 'an identity policy, e.g. the output of roleport aws permission-set-policy (repeatable; - for standard input)', collect)
    .option('--session-name <name>', 'for a role: the session name it calls as, e.g. the SSO user name (default roleport)')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      if (parseUserArn(flags.arn!) === undefined && parseRoleArn(flags.arn!) === undefined) {
        throw new UsageError(`--arn ${flags.arn}: not an IAM user or role ARN (expected arn:aws:iam::123456789012:user/NAME or arn:aws:iam::123456789012:role/[PATH/]NAME)`);
      }
      const policies = readPolicyFiles(flags.policy ?? [], '--policy');
      const result = await withServices(flags, async (services) => {
        try {
          return await services.sts.principals.add({ arn: flags.arn!, policies, sessionName: flags.sessionName });
        } catch (error) {
          if (isRoleportError(error) && error.code === 'ERR_POLICY_MALFORMED') throw new UsageError(`--policy ${error.message.replace(/^([^:]+): /, '$1: MalformedPolicyDocument: ')}`);
          throw error;
        }
      });
      const key = result.accessKey;
      print(
        { json: flags.json === true },
        {
          change: result.change,
          principal: principalJson(result.principal),
          ...(key === undefined ? {} : { access_key: { access_key_id: key.accessKeyId, secret_access_key: key.secretAccessKey } }),
        },
        () => {
          const lines = [`${result.change} principal ${result.principal.arn} (calls as ${result.principal.callerArn}; ${result.principal.policies.length} identity ${result.principal.policies.length === 1 ? 'policy' : 'policies'})`];
          if (key === undefined) {
            lines.push(`its access key ${result.principal.accessKeyId} is unchanged (remove and add the principal for a new one)`);
          } else {
            lines.push(`AWS_ACCESS_KEY_ID=${key.accessKeyId}`, `AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`, 'The secret is shown only now: the STS keeps a hash of it.');
          }
          return lines.join('\n');
        },
      );
    });
  user
    .command('list')
    .description('show the registered principals (never their secrets)')
    .option('--json', 'print JSON, identity policies included')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      const list = await withServices(flags, (services) => services.sts.principals.list());
      print({ json: flags.json === true }, { principals: list.map(principalJson) }, () =>
        list.length === 0
          ? 'no principals (add one with: roleport sts user add --arn ARN --policy FILE)'
          : table(['ARN', 'CALLS AS', 'ACCESS KEY', 'POLICIES'], list.map((p) => [p.arn, p.callerArn, p.accessKeyId, p.policies.map((policy) => policy.name).join(',') || '-'])),
      );
    });
  user
    .command('remove')
    .description('unregister a principal; its key stops working at once')
    .requiredOption('--arn <arn>', 'the principal ARN')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<StsFlags>();
      await withServices(flags, (services) => services.sts.principals.remove(flags.arn!));
      print({ json: flags.json === true }, { removed: flags.arn }, () => `removed principal ${flags.arn}`);
    });
}

function principalJson(principal: StsPrincipal) {
  return {
    arn: principal.arn,
    kind: principal.kind,
    caller_arn: principal.callerArn,
    user_id: principal.userId,
    account: principal.account,
    access_key_id: principal.accessKeyId,
    session_name: principal.sessionName ?? null,
    policies: principal.policies.map((policy) => ({ name: policy.name, document: JSON.parse(policy.document) as unknown })),
  };
}

function parseTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const index = value.indexOf('=');
    if (index <= 0) throw new UsageError(`--tag ${value}: expected key=value`);
    tags[value.slice(0, index)] = value.slice(index + 1);
  }
  return tags;
}

function providerJson(provider: StsProvider, arn: string) {
  return { url: provider.url, arn, client_ids: provider.clientIds, thumbprints: provider.thumbprints, source: provider.source };
}

function roleJson(role: StsRole) {
  return {
    arn: role.arn.arn,
    role_id: role.roleId,
    max_session_duration: role.maxSessionDurationSeconds,
    tags: role.tags,
    source: role.source,
    trust_policy: JSON.parse(role.trustPolicyJson) as unknown,
    permission_policies: role.permissionPolicies.map((policy) => ({ name: policy.name, document: JSON.parse(policy.document) as unknown })),
  };
}
