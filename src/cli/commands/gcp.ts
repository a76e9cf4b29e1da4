import { createCloudApplication } from '../../app.ts';
import {
  GCP_SETUP_FORMATS,
  buildWorkloadIdentityProviderSetup,
  parseProviderName,
  renderExternalAccountConfig,
  renderWorkloadIdentityProviderSetup,
  type GcpSetupFormat,
} from '../../gcp/index.ts';
import { formatGcpExplanation, type GcpProvider, type GcpServiceAccount } from '../../gcp-sts/index.ts';
import { configFromFlags, withServices, type ConfigFlags } from '../context.ts';
import { UsageError, print, table } from '../output.ts';
import { readInput, readJsonObject } from '../input-files.ts';
import { parsePort } from '../flags.ts';
import { serveUntilShutdown } from '../serve-listener.ts';

/** The flags of every `roleport gcp …` command, as commander parses them. */
export interface GcpFlags extends ConfigFlags {
  json?: boolean;
  name?: string;
  issuerUri?: string;
  allowedAudience?: string[];
  attributeMapping?: string[];
  attributeCondition?: string;
  fromSetup?: string;
  email?: string;
  member?: string[];
  provider?: string;
  token?: string;
  claims?: string;
  serviceAccount?: string;
  projectNumber?: string;
  pool?: string;
  target?: string[];
  issuer?: string;
  format?: string;
  port?: string;
  tokenFile?: string;
  tokenUrl?: string;
  iamCredentialsUrl?: string;
}

/** `key=expression` pairs; the expression may itself contain `=`. */
function parseMapping(values: readonly string[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const value of values) {
    const index = value.indexOf('=');
    if (index <= 0) throw new UsageError(`--attribute-mapping ${value}: expected KEY=EXPRESSION, e.g. google.subject=assertion.sub`);
    mapping[value.slice(0, index)] = value.slice(index + 1);
  }
  return mapping;
}

function providerJson(provider: GcpProvider) {
  return {
    name: provider.name.name,
    audience: provider.name.audience,
    issuer_uri: provider.issuerUri,
    allowed_audiences: provider.allowedAudiences,
    attribute_mapping: provider.attributeMapping,
    attribute_condition: provider.attributeCondition ?? null,
  };
}

function serviceAccountJson(account: GcpServiceAccount) {
  return { email: account.email, members: account.members };
}

/** `roleport gcp provider add`. */
export async function runGcpProviderAdd(flags: GcpFlags): Promise<void> {
  if (flags.fromSetup !== undefined) {
    const setup = readJsonObject(flags.fromSetup, '--from-setup');
    const given = setup['provider'] as { name?: string; issuer_uri?: string; allowed_audiences?: string[]; attribute_mapping?: Record<string, string>; attribute_condition?: string } | undefined;
    if (given?.name === undefined || given.issuer_uri === undefined || given.attribute_mapping === undefined) throw new UsageError(`--from-setup ${flags.fromSetup}: expected the output of roleport gcp workload-identity-provider --format json`);
    const accounts = (setup['service_accounts'] as { email: string; members: string[] }[] | undefined) ?? [];
    const result = await withServices(flags, async (services) => {
      const added = await services.gcp.registry.addProvider({ name: given.name!, issuerUri: given.issuer_uri!, allowedAudiences: given.allowed_audiences, attributeMapping: given.attribute_mapping!, attributeCondition: given.attribute_condition });
      const accountsAdded = [];
      for (const account of accounts) accountsAdded.push(await services.gcp.registry.addServiceAccount(account));
      return { added, accountsAdded };
    });
    print({ json: flags.json === true }, { change: result.added.change, provider: providerJson(result.added.provider), service_accounts: result.accountsAdded.map((item) => serviceAccountJson(item.serviceAccount)) }, () =>
      [`${result.added.change} provider ${result.added.provider.name.name}`, ...result.accountsAdded.map((item) => `${item.change} service account ${item.serviceAccount.email}`)].join('\n'),
    );
    return;
  }
  if (flags.name === undefined || flags.issuerUri === undefined) throw new UsageError('give --name and --issuer-uri (and --attribute-mapping), or --from-setup FILE');
  const result = await withServices(flags, (services) =>
    services.gcp.registry.addProvider({
      name: flags.name!,
      issuerUri: flags.issuerUri!,
      allowedAudiences: flags.allowedAudience,
      attributeMapping: parseMapping(flags.attributeMapping ?? ['google.subject=assertion.sub']),
      attributeCondition: flags.attributeCondition,
    }),
  );
  print({ json: flags.json === true }, { change: result.change, provider: providerJson(result.provider) }, () => `${result.change} provider ${result.provider.name.name}`);
    
}

/** `roleport gcp provider list`. */
export async function runGcpProviderList(flags: GcpFlags): Promise<void> {
  const list = await withServices(flags, (services) => services.gcp.registry.listProviders());
  print({ json: flags.json === true }, { providers: list.map(providerJson) }, () =>
    list.length === 0 ? 'no providers (add one with: roleport gcp provider add --name … --issuer-uri …)' : table(['NAME', 'ISSUER', 'CONDITION'], list.map((p) => [p.name.name, p.issuerUri, p.attributeCondition ?? '-'])),
  );
    
}

/** `roleport gcp provider remove`. */
export async function runGcpProviderRemove(flags: GcpFlags): Promise<void> {
  await withServices(flags, (services) => services.gcp.registry.removeProvider(flags.name!));
  print({ json: flags.json === true }, { removed: flags.name }, () => `removed provider ${flags.name}`);
    
}

/** `roleport gcp service-account add`. */
export async function runGcpServiceAccountAdd(flags: GcpFlags): Promise<void> {
  const result = await withServices(flags, (services) => services.gcp.registry.addServiceAccount({ email: flags.email!, members: flags.member ?? [] }));
  print({ json: flags.json === true }, { change: result.change, service_account: serviceAccountJson(result.serviceAccount) }, () => `${result.change} service account ${result.serviceAccount.email}`);
    
}

/** `roleport gcp service-account list`. */
export async function runGcpServiceAccountList(flags: GcpFlags): Promise<void> {
  const list = await withServices(flags, (services) => services.gcp.registry.listServiceAccounts());
  print({ json: flags.json === true }, { service_accounts: list.map(serviceAccountJson) }, () =>
    list.length === 0 ? 'no service accounts' : table(['EMAIL', 'MEMBERS'], list.map((a) => [a.email, a.members.join(' ')])),
  );
    
}

/** `roleport gcp service-account remove`. */
export async function runGcpServiceAccountRemove(flags: GcpFlags): Promise<void> {
  await withServices(flags, (services) => services.gcp.registry.removeServiceAccount(flags.email!));
  print({ json: flags.json === true }, { removed: flags.email }, () => `removed service account ${flags.email}`);
    
}

/** `roleport gcp explain`. */
export async function runGcpExplain(flags: GcpFlags): Promise<void> {
  if ((flags.token === undefined) === (flags.claims === undefined)) throw new UsageError('give exactly one of --token FILE|- and --claims FILE');
  if (parseProviderName(flags.provider!) === undefined) throw new UsageError(`--provider ${flags.provider}: not a provider resource name (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)`);
  const token = flags.token === undefined ? { claims: readJsonObject(flags.claims!, '--claims') } : readInput(flags.token, '--token').trim();
  const result = await withServices(flags, async (services) => {
    const registered = await services.gcp.registry.findProvider(flags.provider!);
    if (registered === undefined) throw new UsageError(`--provider ${flags.provider}: not registered (roleport gcp provider list)`);
    const serviceAccount = flags.serviceAccount === undefined ? undefined : { email: flags.serviceAccount, account: await services.gcp.registry.findServiceAccount(flags.serviceAccount) };
    return services.gcp.explain({ provider: registered, token, serviceAccount });
  });
  print({ json: flags.json === true }, result, () => formatGcpExplanation(result));
    
}

/** `roleport gcp workload-identity-provider`. */
export async function runGcpWorkloadIdentityProvider(flags: GcpFlags): Promise<void> {
  const format = flags.json === true ? 'json' : (flags.format ?? 'gcloud');
  if (!(GCP_SETUP_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: expected one of ${GCP_SETUP_FORMATS.join(', ')}`);
  const issuer = flags.issuer ?? configFromFlags(flags).issuer;
  const targets = (flags.target ?? []).map((value) => {
    const index = value.indexOf('=');
    return index < 0 ? { name: value } : { name: value.slice(0, index), serviceAccount: value.slice(index + 1) };
  });
  const setup = buildWorkloadIdentityProviderSetup({ issuer, projectNumber: flags.projectNumber!, poolId: flags.pool!, providerId: flags.provider!, targets, allowHttpIssuer: true });
  if (issuer.startsWith('http://')) process.stderr.write(`note: the issuer ${issuer} is http: Google requires https (fine for Roleport's local Google STS)\n`);
  process.stdout.write(renderWorkloadIdentityProviderSetup(setup, format as GcpSetupFormat));
    
}

/** `roleport gcp external-account`. */
export async function runGcpExternalAccount(flags: GcpFlags): Promise<void> {
  const name = parseProviderName(flags.provider!);
  if (name === undefined) throw new UsageError(`--provider ${flags.provider}: not a provider resource name`);
  if (!flags.tokenFile!.startsWith('/')) throw new UsageError(`--token-file ${flags.tokenFile}: give an absolute path (the libraries read it from any directory)`);
  const config = renderExternalAccountConfig({ provider: name, tokenFile: flags.tokenFile!, serviceAccount: flags.serviceAccount, tokenUrl: flags.tokenUrl, iamCredentialsUrl: flags.iamCredentialsUrl });
  process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    
}

/** `roleport gcp serve`. */
export async function runGcpServe(flags: GcpFlags): Promise<void> {
  const port = parsePort(flags.port);
  const app = await createCloudApplication(configFromFlags(flags, { 'gcp.enabled': true, 'gcp.listen': `127.0.0.1:${port}` }), 'gcp');
  await serveUntilShutdown(app, 'gcp', flags.json === true);
    
}

