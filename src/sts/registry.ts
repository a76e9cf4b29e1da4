/**
 * The local STS's IAM: OIDC identity providers and roles, from the config file and from the
 * database (`roleport sts provider|role add`). The database wins when both name the same URL
 * or ARN. Reads go through a short cache so that a running STS serves admin changes made by
 * another process within `reloadMs`, without a restart.
 */
import { performance } from 'node:perf_hooks';
import { RoleportError, assertSafeText, invalidInput, type Clock, type Logger } from '../core/index.ts';
import {
  checkRoleArn,
  checkTags,
  clientIdsProblem,
  maxSessionDurationProblem,
  MAX_SESSION_DURATION_SECONDS,
  normalizeProviderUrl,
  normalizeThumbprint,
  providerPrefix,
  providerUrlProblem,
  thumbprintsProblem,
  type RoleArn,
} from '../iam/index.ts';
import { roleIdFor } from './ids.ts';
import type { IdentityPolicy } from './credentials.ts';
import type { TrustPolicyEngine, TrustPolicy } from './trust.ts';

export type RegistrySource = 'config' | 'database';

export interface StsProvider {
  readonly url: string;
  /** The URL without scheme: condition-key prefix and provider-ARN suffix. */
  readonly prefix: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
  readonly source: RegistrySource;
}

export interface StsRole {
  readonly arn: RoleArn;
  readonly roleId: string;
  /** The trust policy as given (JSON text). */
  readonly trustPolicyJson: string;
  readonly trustPolicy: TrustPolicy;
  readonly maxSessionDurationSeconds: number;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * The role's permission policies (identity policies) that matter here: what its sessions
   * may `sts:AssumeRole` when they chain into another role. Names and JSON text as given.
   */
  readonly permissionPolicies: readonly { readonly name: string; readonly document: string }[];
  /** The same, parsed. */
  readonly identityPolicies: readonly IdentityPolicy[];
  readonly source: RegistrySource;
}

export interface AddProviderInput {
  url: string;
  clientIds: readonly string[];
  thumbprints?: readonly string[] | undefined;
}

export interface AddRoleInput {
  arn: string;
  /** JSON text or an already-parsed document. */
  trustPolicy: string | Readonly<Record<string, unknown>>;
  maxSessionDurationSeconds?: number | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
  /** Identity policies of the role (JSON text or parsed), by name. */
  permissionPolicies?: readonly { name: string; document: string | Readonly<Record<string, unknown>> }[] | undefined;
}

/** The narrow storage the registry needs (the store's repositories satisfy it). */
export interface RegistryStorage {
  providers: {
    list(): Promise<Array<{ url: string; client_ids: string; thumbprints: string }>>;
    upsert(row: { url: string; client_ids: string; thumbprints: string }, now: number): Promise<'added' | 'updated'>;
    remove(url: string): Promise<boolean>;
  };
  roles: {
    list(): Promise<Array<{ arn: string; trust_policy: string; max_session_duration: number; tags: string; permission_policies: string }>>;
    upsert(row: { arn: string; trust_policy: string; max_session_duration: number; tags: string; permission_policies: string }, now: number): Promise<'added' | 'updated'>;
    remove(arn: string): Promise<boolean>;
  };
}

export interface RegistryOptions {
  storage: RegistryStorage;
  engine: TrustPolicyEngine;
  clock: Clock;
  logger: Logger;
  configProviders: readonly AddProviderInput[];
  configRoles: readonly AddRoleInput[];
  /** How long a read of the database is reused. */
  reloadMs: number;
}

interface Snapshot {
  providers: ReadonlyMap<string, StsProvider>;
  roles: ReadonlyMap<string, StsRole>;
}

export interface StsRegistry {
  findProvider(url: string): Promise<StsProvider | undefined>;
  findRole(arn: string): Promise<StsRole | undefined>;
  listProviders(): Promise<StsProvider[]>;
  listRoles(): Promise<StsRole[]>;
  addProvider(input: AddProviderInput): Promise<{ provider: StsProvider; change: 'added' | 'updated' }>;
  removeProvider(url: string): Promise<void>;
  addRole(input: AddRoleInput): Promise<{ role: StsRole; change: 'added' | 'updated' }>;
  removeRole(arn: string): Promise<void>;
}

function checkProvider(input: AddProviderInput): { url: string; prefix: string; clientIds: string[]; thumbprints: string[] } {
  // Before URL parsing, which would quietly drop tabs and line breaks.
  assertSafeText('provider url', input.url, { maxLength: 255 });
  const problem = providerUrlProblem(input.url);
  if (problem !== undefined) throw invalidInput(`provider url ${JSON.stringify(input.url)} ${problem}`);
  const clientIds = [...new Set(input.clientIds)];
  for (const id of clientIds) assertSafeText('client ID', id, { minLength: 1, maxLength: 255 });
  const clientIdProblem = clientIdsProblem(clientIds);
  if (clientIdProblem !== undefined) throw invalidInput(clientIdProblem);
  const thumbprints = [...new Set((input.thumbprints ?? []).map(normalizeThumbprint))];
  const thumbprintProblem = thumbprintsProblem(thumbprints);
  if (thumbprintProblem !== undefined) throw invalidInput(thumbprintProblem);
  const url = normalizeProviderUrl(input.url);
  return { url, prefix: providerPrefix(url), clientIds, thumbprints };
}

function roleArnOf(value: string): RoleArn {
  const check = checkRoleArn(value);
  if (!check.ok) throw invalidInput(`role ARN ${JSON.stringify(value)}: ${check.reason}`);
  return check.value;
}

function checkMaxSession(value: number | undefined): number {
  const seconds = value ?? MAX_SESSION_DURATION_SECONDS.default;
  const problem = maxSessionDurationProblem(seconds);
  if (problem !== undefined) throw invalidInput(`max session duration ${String(value)} must be ${problem}`);
  return seconds;
}

function parseJsonObject<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function createRegistry(options: RegistryOptions): StsRegistry {
  const { storage, engine } = options;
  /** Parsed trust policies by their JSON text, so a reload does not parse unchanged ones again. */
  let parsedPolicies = new Map<string, TrustPolicy>();

  const buildRole = (input: AddRoleInput, source: RegistrySource): StsRole => {
    const arn = roleArnOf(input.arn);
    const trustPolicyJson = typeof input.trustPolicy === 'string' ? input.trustPolicy : JSON.stringify(input.trustPolicy);
    let trustPolicy = parsedPolicies.get(trustPolicyJson);
    if (trustPolicy === undefined) {
      trustPolicy = engine.parseTrustPolicy(trustPolicyJson);
      parsedPolicies.set(trustPolicyJson, trustPolicy);
    }
    const tags = { ...(input.tags ?? {}) };
    checkTags(tags, (reason) => invalidInput(`role tags: ${reason}`));
    const names = new Set<string>();
    const permissionPolicies = (input.permissionPolicies ?? []).map((policy) => {
      assertSafeText('permission policy name', policy.name, { minLength: 1, maxLength: 128 });
      if (names.has(policy.name)) throw invalidInput(`two permission policies are named ${policy.name}`);
      names.add(policy.name);
      return { name: policy.name, document: typeof policy.document === 'string' ? policy.document : JSON.stringify(policy.document) };
    });
    const identityPolicies = permissionPolicies.map((policy) => {
      try {
        return { name: policy.name, document: engine.parseIdentityPolicy(policy.document) };
      } catch (error) {
        if (error instanceof RoleportError && error.code === 'ERR_POLICY_MALFORMED') throw new RoleportError('ERR_POLICY_MALFORMED', `permission policy ${policy.name}: ${error.message}`, { cause: error });
        throw error;
      }
    });
    return {
      arn,
      roleId: roleIdFor(arn.arn),
      trustPolicyJson,
      trustPolicy,
      maxSessionDurationSeconds: checkMaxSession(input.maxSessionDurationSeconds),
      tags,
      permissionPolicies,
      identityPolicies,
      source,
    };
  };

  const configProviders = new Map<string, StsProvider>();
  options.configProviders.forEach((input, index) => {
    try {
      const provider = checkProvider(input);
      configProviders.set(provider.url, { ...provider, source: 'config' });
    } catch (error) {
      throw new RoleportError('ERR_CONFIG_INVALID', `sts.providers[${index}]: ${(error as Error).message}`, { cause: error });
    }
  });
  const configRoles = new Map<string, StsRole>();
  options.configRoles.forEach((input, index) => {
    try {
      const role = buildRole(input, 'config');
      configRoles.set(role.arn.arn, role);
    } catch (error) {
      throw new RoleportError('ERR_CONFIG_INVALID', `sts.roles[${index}] (${input.arn}): ${(error as Error).message}`, { cause: error });
    }
  });

  let snapshot: Snapshot | undefined;
  let loadedAt = 0;
  let loading: Promise<Snapshot> | undefined;

  const load = async (): Promise<Snapshot> => {
    const [providerRows, roleRows] = await Promise.all([storage.providers.list(), storage.roles.list()]);
    const providers = new Map(configProviders);
    for (const row of providerRows) {
      providers.set(row.url, {
        url: row.url,
        prefix: providerPrefix(row.url),
        clientIds: parseJsonObject<string[]>(row.client_ids, []),
        thumbprints: parseJsonObject<string[]>(row.thumbprints, []),
        source: 'database',
      });
    }
    const roles = new Map(configRoles);
    const used = new Map<string, TrustPolicy>();
    for (const role of configRoles.values()) used.set(role.trustPolicyJson, role.trustPolicy);
    for (const row of roleRows) {
      try {
        const role = buildRole(
          {
            arn: row.arn,
            trustPolicy: row.trust_policy,
            maxSessionDurationSeconds: row.max_session_duration,
            tags: parseJsonObject(row.tags, {}),
            permissionPolicies: parseJsonObject(row.permission_policies, []),
          },
          'database',
        );
        roles.set(row.arn, role);
        used.set(role.trustPolicyJson, role.trustPolicy);
      } catch (error) {
        // Only possible if the row was written around this code; the role stays unusable (AccessDenied).
        options.logger.error({ err: error, roleArn: row.arn }, 'sts role in the database is invalid; ignoring it');
      }
    }
    parsedPolicies = used;
    return { providers, roles };
  };

  const current = async (): Promise<Snapshot> => {
    if (snapshot !== undefined && performance.now() - loadedAt < options.reloadMs) return snapshot;
    if (loading === undefined) {
      const started = performance.now();
      loading = load()
        .then((loaded) => {
          snapshot = loaded;
          loadedAt = started;
          return loaded;
        })
        .finally(() => {
          loading = undefined;
        });
    }
    return loading;
  };

  const invalidate = (): void => {
    snapshot = undefined;
  };

  return {
    async findProvider(url) {
      return (await current()).providers.get(url);
    },
    async findRole(arn) {
      return (await current()).roles.get(arn);
    },
    async listProviders() {
      return [...(await current()).providers.values()].sort((a, b) => a.url.localeCompare(b.url));
    },
    async listRoles() {
      return [...(await current()).roles.values()].sort((a, b) => a.arn.arn.localeCompare(b.arn.arn));
    },
    async addProvider(input) {
      const provider = checkProvider(input);
      const change = await storage.providers.upsert(
        { url: provider.url, client_ids: JSON.stringify(provider.clientIds), thumbprints: JSON.stringify(provider.thumbprints) },
        options.clock.now(),
      );
      invalidate();
      return { provider: { ...provider, source: 'database' }, change };
    },
    async removeProvider(url) {
      const normalized = normalizeProviderUrl(url);
      const removed = await storage.providers.remove(normalized);
      invalidate();
      if (removed) return;
      if (configProviders.has(normalized)) throw invalidInput(`provider ${normalized} comes from the configuration file (sts.providers); remove it there`);
      throw new RoleportError('ERR_NOT_FOUND', `no provider is registered for ${normalized}`);
    },
    async addRole(input) {
      const role = buildRole(input, 'database');
      const change = await storage.roles.upsert(
        {
          arn: role.arn.arn,
          trust_policy: role.trustPolicyJson,
          max_session_duration: role.maxSessionDurationSeconds,
          tags: JSON.stringify(role.tags),
          permission_policies: JSON.stringify(role.permissionPolicies),
        },
        options.clock.now(),
      );
      invalidate();
      return { role, change };
    },
    async removeRole(arn) {
      const removed = await storage.roles.remove(arn);
      invalidate();
      if (removed) return;
      if (configRoles.has(arn)) throw invalidInput(`role ${arn} comes from the configuration file (sts.roles); remove it there`);
      throw new RoleportError('ERR_NOT_FOUND', `no role is registered with ARN ${arn}`);
    },
  };
}
