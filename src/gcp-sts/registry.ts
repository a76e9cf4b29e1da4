/**
 * The local Google STS's registry: workload identity pool providers (issuer, allowed
 * audiences, attribute mapping, attribute condition) and the service accounts federated
 * principals may impersonate, from the database (`roleport gcp provider|service-account add`).
 * Reads go through a short cache so a running endpoint serves admin changes made by another
 * process within `reloadMs`.
 */
import { performance } from 'node:perf_hooks';
import { RoleportError, assertSafeText, invalidInput, type Clock } from '../core/index.ts';
import {
  allowedAudiencesProblem,
  attributeConditionProblem,
  attributeMappingProblem,
  issuerUriProblem,
  parseProviderName,
  providerNameProblem,
  serviceAccountEmailProblem,
  type WorkloadIdentityProviderName,
} from '../gcp/index.ts';
import type { CelEvaluator } from './cel.ts';

export interface GcpProvider {
  readonly name: WorkloadIdentityProviderName;
  readonly issuerUri: string;
  readonly allowedAudiences: readonly string[];
  readonly attributeMapping: Readonly<Record<string, string>>;
  readonly attributeCondition: string | undefined;
}

export interface GcpServiceAccount {
  readonly email: string;
  /** principal:// and principalSet:// identifiers granted roles/iam.workloadIdentityUser. */
  readonly members: readonly string[];
}

export interface AddGcpProviderInput {
  name: string;
  issuerUri: string;
  allowedAudiences?: readonly string[] | undefined;
  attributeMapping: Readonly<Record<string, string>>;
  attributeCondition?: string | undefined;
}

/** The narrow storage the registry needs (the store's repositories satisfy it). */
export interface GcpRegistryStorage {
  providers: {
    list(): Promise<Array<{ name: string; issuer_uri: string; allowed_audiences: string; attribute_mapping: string; attribute_condition: string | null }>>;
    upsert(row: { name: string; issuer_uri: string; allowed_audiences: string; attribute_mapping: string; attribute_condition: string | null }, now: number): Promise<'added' | 'updated'>;
    remove(name: string): Promise<boolean>;
  };
  serviceAccounts: {
    list(): Promise<Array<{ email: string; members: string }>>;
    upsert(row: { email: string; members: string }, now: number): Promise<'added' | 'updated'>;
    remove(email: string): Promise<boolean>;
  };
}

export interface GcpRegistry {
  findProvider(name: string): Promise<GcpProvider | undefined>;
  listProviders(): Promise<GcpProvider[]>;
  addProvider(input: AddGcpProviderInput): Promise<{ provider: GcpProvider; change: 'added' | 'updated' }>;
  removeProvider(name: string): Promise<void>;
  findServiceAccount(email: string): Promise<GcpServiceAccount | undefined>;
  listServiceAccounts(): Promise<GcpServiceAccount[]>;
  addServiceAccount(input: GcpServiceAccount): Promise<{ serviceAccount: GcpServiceAccount; change: 'added' | 'updated' }>;
  removeServiceAccount(email: string): Promise<void>;
}

export interface GcpRegistryOptions {
  storage: GcpRegistryStorage;
  clock: Clock;
  cel: CelEvaluator;
  reloadMs: number;
  /** Accept http:// issuer URIs (loopback issuers; Google takes https only). */
  allowHttpIssuers: boolean;
}

const MEMBER = /^principal(Set)?:\/\/iam\.googleapis\.com\/projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/(subject\/.+|group\/.+|attribute\.[a-z0-9_]{1,100}\/.+|\*)$/;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Parses a CEL expression once (with sample variables) so that a typo is refused at registration, not at exchange. */
function celProblem(cel: CelEvaluator, expression: string, what: string): string | undefined {
  try {
    cel.evaluate(expression, { assertion: {}, google: {}, attribute: {} });
    return undefined;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    // Missing keys are fine here: the sample assertion is empty.
    return /no such key/i.test(message) ? undefined : `${what}: ${message}`;
  }
}

export function createGcpRegistry(options: GcpRegistryOptions): GcpRegistry {
  const { storage } = options;

  const checkProvider = (input: AddGcpProviderInput): GcpProvider => {
    // Safe text first (core/text.ts): the rules below name what is wrong in Google's terms.
    assertSafeText('provider name', input.name, { maxLength: 512 });
    assertSafeText('issuer URI', input.issuerUri, { maxLength: 2048 });
    for (const audience of input.allowedAudiences ?? []) assertSafeText('allowed audience', audience, { maxLength: 2048 });
    for (const [key, expression] of Object.entries(input.attributeMapping)) {
      assertSafeText('attribute mapping key', key, { maxLength: 256 });
      assertSafeText(`attribute mapping ${key}`, expression, { maxLength: 8192, kind: 'multiline' });
    }
    if (input.attributeCondition !== undefined) assertSafeText('attribute condition', input.attributeCondition, { maxLength: 8192, kind: 'multiline' });
    const allowedAudiences = [...new Set(input.allowedAudiences ?? [])];
    const problem =
      providerNameProblem(input.name) ??
      issuerUriProblem(input.issuerUri, { allowHttp: options.allowHttpIssuers }) ??
      allowedAudiencesProblem(allowedAudiences) ??
      attributeMappingProblem(input.attributeMapping) ??
      (input.attributeCondition === undefined ? undefined : attributeConditionProblem(input.attributeCondition)) ??
      Object.entries(input.attributeMapping)
        .map(([key, expression]) => celProblem(options.cel, expression, `attribute mapping ${key}`))
        .find((text) => text !== undefined) ??
      (input.attributeCondition === undefined ? undefined : celProblem(options.cel, input.attributeCondition, 'attribute condition'));
    if (problem !== undefined) throw invalidInput(problem);
    return {
      name: parseProviderName(input.name) as WorkloadIdentityProviderName,
      issuerUri: input.issuerUri.replace(/\/+$/, ''),
      allowedAudiences,
      attributeMapping: { ...input.attributeMapping },
      attributeCondition: input.attributeCondition,
    };
  };

  const checkServiceAccount = (input: GcpServiceAccount): GcpServiceAccount => {
    assertSafeText('service account email', input.email, { maxLength: 256 });
    for (const member of input.members) assertSafeText('member', member, { maxLength: 2048 });
    const problem = serviceAccountEmailProblem(input.email);
    if (problem !== undefined) throw invalidInput(problem);
    const members = [...new Set(input.members)];
    if (members.length === 0) throw invalidInput('a service account needs at least one member (principal:// or principalSet:// identifier)');
    const bad = members.find((member) => !MEMBER.test(member));
    if (bad !== undefined) throw invalidInput(`member ${JSON.stringify(bad)} is not a workload identity principal (principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/subject/S, or principalSet://…/attribute.NAME/VALUE, …/group/G, …/*)`);
    return { email: input.email, members };
  };

  let snapshot: { providers: Map<string, GcpProvider>; accounts: Map<string, GcpServiceAccount> } | undefined;
  let loadedAt = 0;
  const current = async () => {
    if (snapshot !== undefined && performance.now() - loadedAt < options.reloadMs) return snapshot;
    const started = performance.now();
    const [providerRows, accountRows] = await Promise.all([storage.providers.list(), storage.serviceAccounts.list()]);
    const providers = new Map<string, GcpProvider>();
    for (const row of providerRows) {
      const name = parseProviderName(row.name);
      if (name === undefined) continue;
      providers.set(name.name, {
        name,
        issuerUri: row.issuer_uri,
        allowedAudiences: parseJson<string[]>(row.allowed_audiences, []),
        attributeMapping: parseJson<Record<string, string>>(row.attribute_mapping, {}),
        attributeCondition: row.attribute_condition ?? undefined,
      });
    }
    const accounts = new Map(accountRows.map((row) => [row.email, { email: row.email, members: parseJson<string[]>(row.members, []) }]));
    snapshot = { providers, accounts };
    loadedAt = started;
    return snapshot;
  };
  const invalidate = (): void => {
    snapshot = undefined;
  };

  return {
    async findProvider(name) {
      const parsed = parseProviderName(name);
      return parsed === undefined ? undefined : (await current()).providers.get(parsed.name);
    },
    async listProviders() {
      return [...(await current()).providers.values()].sort((a, b) => a.name.name.localeCompare(b.name.name));
    },
    async addProvider(input) {
      const provider = checkProvider(input);
      const change = await storage.providers.upsert(
        {
          name: provider.name.name,
          issuer_uri: provider.issuerUri,
          allowed_audiences: JSON.stringify(provider.allowedAudiences),
          attribute_mapping: JSON.stringify(provider.attributeMapping),
          attribute_condition: provider.attributeCondition ?? null,
        },
        options.clock.now(),
      );
      invalidate();
      return { provider, change };
    },
    async removeProvider(name) {
      const parsed = parseProviderName(name);
      const removed = parsed !== undefined && (await storage.providers.remove(parsed.name));
      invalidate();
      if (!removed) throw new RoleportError('ERR_NOT_FOUND', `no provider is registered as ${name}`);
    },
    async findServiceAccount(email) {
      return (await current()).accounts.get(email);
    },
    async listServiceAccounts() {
      return [...(await current()).accounts.values()].sort((a, b) => a.email.localeCompare(b.email));
    },
    async addServiceAccount(input) {
      const serviceAccount = checkServiceAccount(input);
      const change = await storage.serviceAccounts.upsert({ email: serviceAccount.email, members: JSON.stringify(serviceAccount.members) }, options.clock.now());
      invalidate();
      return { serviceAccount, change };
    },
    async removeServiceAccount(email) {
      const removed = await storage.serviceAccounts.remove(email);
      invalidate();
      if (!removed) throw new RoleportError('ERR_NOT_FOUND', `no service account is registered as ${email}`);
    },
  };
}
