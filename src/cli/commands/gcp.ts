import type { Command } from 'commander';
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
import { collect, readInput, readJsonObject } from '../input-files.ts';
import { parsePort, serveUntilShutdown } from '../serve-listener.ts';

interface GcpFlags extends ConfigFlags {
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

/**
 * `roleport gcp …`: the local Google STS's providers and service accounts, `explain`, the
 * setup generator for Google Cloud, the `external_account` file, and `gcp serve`.
 */
export function registerGcpCommands(program: Command): void {
  const gcp = program.command('gcp').description('Google Cloud workload identity federation: setup generator, local Google STS (providers, service accounts, serve), explain');

  const provider = gcp.command('provider').description('workload identity pool providers the local Google STS knows');
  provider
    .command('add')
    .description('register a provider (or replace it); or every provider and service account of a `workload-identity-provider --format json` output')
    .option('--name <resource>', 'projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER')
    .option('--issuer-uri <url>', "the OIDC issuer, equal to the tokens' iss")
    .option('--allowed-audience <aud>', "an accepted aud (repeatable; none: the provider's own resource name)", collect)
    .option('--attribute-mapping <key=cel>', 'an attribute mapping, e.g. google.subject=assertion.sub (repeatable)', collect)
    .option('--attribute-condition <cel>', 'a CEL condition every token must meet')
    .option('--from-setup <file>', 'the JSON of roleport gcp workload-identity-provider --format json (- for standard input)')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
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
    });
  provider
    .command('list')
    .description('show the registered providers')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
      const list = await withServices(flags, (services) => services.gcp.registry.listProviders());
      print({ json: flags.json === true }, { providers: list.map(providerJson) }, () =>
        list.length === 0 ? 'no providers (add one with: roleport gcp provider add --name … --issuer-uri …)' : table(['NAME', 'ISSUER', 'CONDITION'], list.map((p) => [p.name.name, p.issuerUri, p.attributeCondition ?? '-'])),
      );
    });
  provider
    .command('remove')
    .description('unregister a provider')
    .requiredOption('--name <resource>', 'the provider resource name')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
      await withServices(flags, (services) => services.gcp.registry.removeProvider(flags.name!));
      print({ json: flags.json === true }, { removed: flags.name }, () => `removed provider ${flags.name}`);
    });

  const account = gcp.command('service-account').description('service accounts federated principals may impersonate (roles/iam.workloadIdentityUser)');
  account
    .command('add')
    .description('register a service account and who may impersonate it (or replace its members)')
    .requiredOption('--email <email>', 'ACCOUNT_ID@PROJECT_ID.iam.gserviceaccount.com')
    .requiredOption('--member <principal>', 'principal://… or principalSet://… granted roles/iam.workloadIdentityUser (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
      const result = await withServices(flags, (services) => services.gcp.registry.addServiceAccount({ email: flags.email!, members: flags.member ?? [] }));
      print({ json: flags.json === true }, { change: result.change, service_account: serviceAccountJson(result.serviceAccount) }, () => `${result.change} service account ${result.serviceAccount.email}`);
    });
  account
    .command('list')
    .description('show the registered service accounts')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
      const list = await withServices(flags, (services) => services.gcp.registry.listServiceAccounts());
      print({ json: flags.json === true }, { service_accounts: list.map(serviceAccountJson) }, () =>
        list.length === 0 ? 'no service accounts' : table(['EMAIL', 'MEMBERS'], list.map((a) => [a.email, a.members.join(' ')])),
      );
    });
  account
    .command('remove')
    .description('unregister a service account')
    .requiredOption('--email <email>', 'the service account email')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
      await withServices(flags, (services) => services.gcp.registry.removeServiceAccount(flags.email!));
      print({ json: flags.json === true }, { removed: flags.email }, () => `removed service account ${flags.email}`);
    });

  gcp
    .command('explain')
    .description("explain offline why Google's STS would accept or refuse a token for a registered provider (and, with --service-account, impersonation); exit 0 for allow and deny")
    .requiredOption('--provider <resource>', 'the provider resource name (or its //iam.googleapis.com/… audience)')
    .option('--token <file>', 'the token, or - for standard input (decoded, not verified)')
    .option('--claims <file>', 'the token claims as a JSON object, instead of a token')
    .option('--service-account <email>', 'also explain generateAccessToken for this service account')
    .option('--json', 'print {decision, checks, identity, principals, impersonation, google, notes} as JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
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
    });

  gcp
    .command('workload-identity-provider')
    .description('what to create in Google Cloud: pool, OIDC provider (issuer, allowed audience, attribute mapping, a condition that admits only these targets), service account bindings')
    .requiredOption('--project-number <number>', 'the project number (not its ID) of the pool')
    .requiredOption('--pool <id>', 'the workload identity pool ID (4-32 of a-z, 0-9, -)')
    .requiredOption('--provider <id>', 'the provider ID (4-32 of a-z, 0-9, -)')
    .requiredOption('--target <name[=sa-email]>', 'a target the provider serves, with the service account it impersonates if any (repeatable)', collect)
    .option('--issuer <url>', 'the issuer URL (default: the configured issuer, ROLEPORT_ISSUER)')
    .option('--format <format>', `output format: ${GCP_SETUP_FORMATS.join('|')}`, 'gcloud')
    .option('--json', 'same as --format json')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
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
    });

  gcp
    .command('external-account')
    .description('print the external_account credential configuration Google\'s client libraries read (GOOGLE_APPLICATION_CREDENTIALS)')
    .requiredOption('--provider <resource>', 'the provider resource name')
    .requiredOption('--token-file <path>', 'the token file the agent keeps fresh (absolute path)')
    .option('--service-account <email>', 'impersonate this service account')
    .option('--token-url <url>', 'the STS token endpoint (default https://sts.googleapis.com/v1/token; the local Google STS: <gcp serve URL>/v1/token)')
    .option('--iam-credentials-url <url>', 'the IAM Credentials root (default https://iamcredentials.googleapis.com; the local one: <gcp serve URL>)')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
      const name = parseProviderName(flags.provider!);
      if (name === undefined) throw new UsageError(`--provider ${flags.provider}: not a provider resource name`);
      if (!flags.tokenFile!.startsWith('/')) throw new UsageError(`--token-file ${flags.tokenFile}: give an absolute path (the libraries read it from any directory)`);
      const config = renderExternalAccountConfig({ provider: name, tokenFile: flags.tokenFile!, serviceAccount: flags.serviceAccount, tokenUrl: flags.tokenUrl, iamCredentialsUrl: flags.iamCredentialsUrl });
      process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    });

  gcp
    .command('serve')
    .description('run only the local Google STS and IAM Credentials endpoint on 127.0.0.1 (point token_url and service_account_impersonation_url at it)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8082')
    .option('--json', 'print {"gcp": URL} once listening')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GcpFlags>();
      const port = parsePort(flags.port);
      const app = await createCloudApplication(configFromFlags(flags, { 'gcp.enabled': true, 'gcp.listen': `127.0.0.1:${port}` }), 'gcp');
      await serveUntilShutdown(app, 'gcp', flags.json === true);
    });
}
