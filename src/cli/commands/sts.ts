import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createStsApplication } from '../../app.ts';
import { isRoleportError } from '../../core/index.ts';
import { checkRoleArn, maxSessionDurationProblem, parseRoleArn, parseUserArn } from '../../iam/index.ts';
import type { StsPrincipal, StsProvider, StsRole } from '../../sts/index.ts';
import { configFromFlags, withServices, type ConfigFlags } from '../context.ts';
import { UsageError, print, table } from '../output.ts';
import { serveUntilShutdown } from '../serve-listener.ts';

export interface StsListOptions extends ConfigFlags {
  json?: boolean | undefined;
}

export interface StsProviderAddOptions extends StsListOptions {
  url: string;
  clientId: string[];
  thumbprint?: string[] | undefined;
}

export interface StsProviderRemoveOptions extends StsListOptions {
  url: string;
}

/** The commands that name a role or principal by its ARN. */
export interface StsArnOptions extends StsListOptions {
  arn: string;
}

export interface StsRoleAddOptions extends StsArnOptions {
  trustPolicy: string;
  /** As given; 3600-43200 whole seconds. */
  maxSessionDuration: string;
  tag?: string[] | undefined;
  permissionPolicy?: string[] | undefined;
}

export interface StsPrincipalAddOptions extends StsArnOptions {
  policy?: string[] | undefined;
  sessionName?: string | undefined;
}

export interface StsServeOptions extends StsListOptions {
  port: number;
}

/** `roleport sts provider add`: register an issuer (or replace its client IDs and thumbprints). */
export async function runStsProviderAdd(flags: StsProviderAddOptions): Promise<void> {
  const result = await withServices(flags, (services) =>
    services.sts.registry.addProvider({ url: flags.url, clientIds: flags.clientId, thumbprints: flags.thumbprint }).then((added) => ({
      ...added,
      arn: services.sts.providerArn(added.provider.url),
    })),
  );
  print({ json: flags.json === true }, { change: result.change, provider: providerJson(result.provider, result.arn) }, () =>
    `${result.change} provider ${result.provider.url} (client IDs: ${result.provider.clientIds.join(', ')})`,
  );
}

/** `roleport sts provider list`: show the registered providers. */
export async function runStsProviderList(flags: StsListOptions): Promise<void> {
  const { list, arns } = await withServices(flags, async (services) => {
    const providers = await services.sts.registry.listProviders();
    return { list: providers, arns: providers.map((p) => services.sts.providerArn(p.url)) };
  });
  print({ json: flags.json === true }, { providers: list.map((p, i) => providerJson(p, arns[i] as string)) }, () =>
    list.length === 0
      ? 'no providers (add one with: roleport sts provider add --url URL --client-id sts.amazonaws.com)'
      : table(['URL', 'CLIENT IDS', 'THUMBPRINTS', 'SOURCE'], list.map((p) => [p.url, p.clientIds.join(','), p.thumbprints.join(',') || '-', p.source])),
  );
}

/** `roleport sts provider remove`: unregister an issuer. */
export async function runStsProviderRemove(flags: StsProviderRemoveOptions): Promise<void> {
  await withServices(flags, (services) => services.sts.registry.removeProvider(flags.url));
  print({ json: flags.json === true }, { removed: flags.url }, () => `removed provider ${flags.url}`);
}

/** `roleport sts role add`: register a role (or replace its trust policy, maximum session duration and tags). */
export async function runStsRoleAdd(flags: StsRoleAddOptions): Promise<void> {
  const arnCheck = checkRoleArn(flags.arn);
  if (!arnCheck.ok) throw new UsageError(`--arn ${flags.arn}: not a role ARN: ${arnCheck.reason}`);
  const permissionPolicies = readPolicyFiles(flags.permissionPolicy ?? [], '--permission-policy');
  const maxSessionDurationSeconds = Number(flags.maxSessionDuration);
  const durationProblem = maxSessionDurationProblem(maxSessionDurationSeconds);
  if (durationProblem !== undefined) throw new UsageError(`--max-session-duration ${flags.maxSessionDuration}: expected ${durationProblem}`);
  const trustPolicy = readPolicyFile(flags.trustPolicy);
  const tags = parseTags(flags.tag ?? []);
  const result = await withServices(flags, async (services) => {
    try {
      return await services.sts.registry.addRole({ arn: flags.arn, trustPolicy, maxSessionDurationSeconds, tags, permissionPolicies });
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
}

/** `roleport sts role list`: show the registered roles. */
export async function runStsRoleList(flags: StsListOptions): Promise<void> {
  const list = await withServices(flags, (services) => services.sts.registry.listRoles());
  print({ json: flags.json === true }, { roles: list.map(roleJson) }, () =>
    list.length === 0
      ? 'no roles (add one with: roleport sts role add --arn ARN --trust-policy FILE)'
      : table(['ARN', 'MAX SESSION', 'SOURCE'], list.map((r) => [r.arn.arn, `${r.maxSessionDurationSeconds}s`, r.source])),
  );
}

/** `roleport sts role remove`: unregister a role. */
export async function runStsRoleRemove(flags: StsArnOptions): Promise<void> {
  await withServices(flags, (services) => services.sts.registry.removeRole(flags.arn));
  print({ json: flags.json === true }, { removed: flags.arn }, () => `removed role ${flags.arn}`);
}

/** `roleport sts serve`: run only the local STS on 127.0.0.1. */
export async function runStsServe(flags: StsServeOptions): Promise<void> {
  const app = await createStsApplication(configFromFlags(flags, { 'sts.enabled': true, 'sts.listen': `127.0.0.1:${flags.port}` }));
  await serveUntilShutdown(app, 'sts', flags.json === true);
}

/** `roleport sts user add`: register a principal and print its access key pair once. */
export async function runStsPrincipalAdd(flags: StsPrincipalAddOptions): Promise<void> {
  if (parseUserArn(flags.arn) === undefined && parseRoleArn(flags.arn) === undefined) {
    throw new UsageError(`--arn ${flags.arn}: not an IAM user or role ARN (expected arn:aws:iam::123456789012:user/NAME or arn:aws:iam::123456789012:role/[PATH/]NAME)`);
  }
  const policies = readPolicyFiles(flags.policy ?? [], '--policy');
  const result = await withServices(flags, async (services) => {
    try {
      return await services.sts.principals.add({ arn: flags.arn, policies, sessionName: flags.sessionName });
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
}

/** `roleport sts user list`: show the registered principals (never their secrets). */
export async function runStsPrincipalList(flags: StsListOptions): Promise<void> {
  const list = await withServices(flags, (services) => services.sts.principals.list());
  print({ json: flags.json === true }, { principals: list.map(principalJson) }, () =>
    list.length === 0
      ? 'no principals (add one with: roleport sts user add --arn ARN --policy FILE)'
      : table(['ARN', 'CALLS AS', 'ACCESS KEY', 'POLICIES'], list.map((p) => [p.arn, p.callerArn, p.accessKeyId, p.policies.map((policy) => policy.name).join(',') || '-'])),
  );
}

/** `roleport sts user remove`: unregister a principal; its key stops working at once. */
export async function runStsPrincipalRemove(flags: StsArnOptions): Promise<void> {
  await withServices(flags, (services) => services.sts.principals.remove(flags.arn));
  print({ json: flags.json === true }, { removed: flags.arn }, () => `removed principal ${flags.arn}`);
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
