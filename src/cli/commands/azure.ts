import type { Command } from 'commander';
import { createCloudApplication } from '../../app.ts';
import {
  AZURE_SETUP_FORMATS,
  SUBJECT_SCOPES,
  TOKEN_EXCHANGE_AUDIENCE,
  buildFederatedCredentialSetup,
  renderAzureEnvironment,
  renderFederatedCredentialSetup,
  type AzureSetupFormat,
  type SubjectScope,
} from '../../azure/index.ts';
import { formatEntraExplanation, type EntraFederatedCredential } from '../../entra/index.ts';
import { configFromFlags, withServices, type ConfigFlags } from '../context.ts';
import { UsageError, print, table } from '../output.ts';
import { collect, readInput, readJsonObject } from '../input-files.ts';
import { parsePort, serveUntilShutdown } from '../serve-listener.ts';

interface AzureFlags extends ConfigFlags {
  json?: boolean;
  tenant?: string;
  clientId?: string;
  name?: string;
  issuer?: string;
  subject?: string;
  audience?: string;
  description?: string;
  fromSetup?: string;
  token?: string;
  claims?: string;
  target?: string;
  user?: string[];
  subjectScope?: string;
  managedIdentity?: string;
  resourceGroup?: string;
  format?: string;
  port?: string;
  tlsCert?: string;
  tlsKey?: string;
  tokenFile?: string;
  authorityHost?: string;
}

function credentialJson(credential: EntraFederatedCredential) {
  return {
    tenant_id: credential.tenantId,
    client_id: credential.clientId,
    name: credential.name,
    issuer: credential.issuer,
    subject: credential.subject,
    audiences: credential.audiences,
    description: credential.description ?? null,
  };
}

/**
 * `roleport azure …`: the local Entra endpoint's federated identity credentials, `explain`,
 * the setup generator for Azure, the environment the Azure Identity libraries read, and
 * `azure serve`.
 */
export function registerAzureCommands(program: Command): void {
  const azure = program.command('azure').description('Azure workload identity federation: setup generator, local Entra token endpoint (federated credentials, serve), explain');

  const credential = azure.command('credential').description('federated identity credentials the local Entra endpoint knows');
  credential
    .command('add')
    .description('register a federated identity credential (or replace it); or every credential of a `federated-credential --format json` output')
    .option('--tenant <id>', 'the tenant ID (GUID) or verified domain')
    .option('--client-id <guid>', "the application's or managed identity's client ID")
    .option('--name <name>', 'the credential name (3-120 of letters, digits, - and _)')
    .option('--issuer <url>', "the issuer, equal to the tokens' iss")
    .option('--subject <sub>', "the exact sub the tokens carry")
    .option('--audience <aud>', 'the audience', TOKEN_EXCHANGE_AUDIENCE)
    .option('--description <text>', 'a description')
    .option('--from-setup <file>', 'the JSON of roleport azure federated-credential --format json (- for standard input)')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AzureFlags>();
      let inputs: Array<{ tenantId: string; clientId: string; name: string; issuer: string; subject: string; audiences: string[]; description?: string | undefined }>;
      if (flags.fromSetup !== undefined) {
        const setup = readJsonObject(flags.fromSetup, '--from-setup');
        const credentials = setup['credentials'] as Array<{ name: string; issuer: string; subject: string; audiences: string[]; description?: string }> | undefined;
        if (typeof setup['tenant_id'] !== 'string' || typeof setup['client_id'] !== 'string' || !Array.isArray(credentials)) throw new UsageError(`--from-setup ${flags.fromSetup}: expected the output of roleport azure federated-credential --format json`);
        inputs = credentials.map((item) => ({ tenantId: setup['tenant_id'] as string, clientId: setup['client_id'] as string, ...item }));
      } else {
        for (const [name, flag] of [['tenant', '--tenant'], ['clientId', '--client-id'], ['name', '--name'], ['issuer', '--issuer'], ['subject', '--subject']] as const) {
          if (flags[name] === undefined) throw new UsageError(`${flag} is required (or give --from-setup FILE)`);
        }
        inputs = [{ tenantId: flags.tenant!, clientId: flags.clientId!, name: flags.name!, issuer: flags.issuer!, subject: flags.subject!, audiences: [flags.audience!], description: flags.description }];
      }
      const results = await withServices(flags, async (services) => {
        const added = [];
        for (const input of inputs) added.push(await services.entra.registry.add(input));
        return added;
      });
      print({ json: flags.json === true }, { credentials: results.map((result) => ({ change: result.change, ...credentialJson(result.credential) })) }, () =>
        results.map((result) => `${result.change} credential ${result.credential.name} of ${result.credential.clientId} (subject ${result.credential.subject})`).join('\n'),
      );
    });
  credential
    .command('list')
    .description('show the registered credentials')
    .option('--client-id <guid>', 'only this application')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AzureFlags>();
      const list = await withServices(flags, (services) => (flags.clientId === undefined ? services.entra.registry.list() : services.entra.registry.credentialsOf(flags.clientId)));
      print({ json: flags.json === true }, { credentials: list.map(credentialJson) }, () =>
        list.length === 0 ? 'no federated identity credentials' : table(['CLIENT ID', 'NAME', 'ISSUER', 'SUBJECT'], list.map((c) => [c.clientId, c.name, c.issuer, c.subject])),
      );
    });
  credential
    .command('remove')
    .description('unregister a credential')
    .requiredOption('--client-id <guid>', 'the client ID')
    .requiredOption('--name <name>', 'the credential name')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AzureFlags>();
      await withServices(flags, (services) => services.entra.registry.remove(flags.clientId!, flags.name!));
      print({ json: flags.json === true }, { removed: { client_id: flags.clientId, name: flags.name } }, () => `removed credential ${flags.name} of ${flags.clientId}`);
    });

  azure
    .command('explain')
    .description('explain offline why Entra would accept or refuse a token as the client assertion of a registered application; exit 0 for allow and deny')
    .requiredOption('--client-id <guid>', "the application's or managed identity's client ID")
    .option('--token <file>', 'the token, or - for standard input (decoded, not verified)')
    .option('--claims <file>', 'the token claims as a JSON object, instead of a token')
    .option('--json', 'print {decision, checks, credential, entra, notes} as JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AzureFlags>();
      if ((flags.token === undefined) === (flags.claims === undefined)) throw new UsageError('give exactly one of --token FILE|- and --claims FILE');
      const token = flags.token === undefined ? { claims: readJsonObject(flags.claims!, '--claims') } : readInput(flags.token, '--token').trim();
      const result = await withServices(flags, (services) => services.entra.explain({ clientId: flags.clientId!, token }));
      print({ json: flags.json === true }, result, () => formatEntraExplanation(result));
    });

  azure
    .command('federated-credential')
    .description('what to add in Azure: the federated identity credential(s) of one target — issuer, exact subject, audience api://AzureADTokenExchange')
    .requiredOption('--tenant <id>', 'the tenant ID (GUID) or verified domain')
    .requiredOption('--client-id <guid>', "the application's or managed identity's client ID")
    .requiredOption('--target <name>', 'the target name (1-63 of a-z, 0-9, -)')
    .option('--user <username>', 'a user granted the target: one credential each (repeatable; the user subject scope)', collect)
    .option('--subject-scope <scope>', `${SUBJECT_SCOPES.join('|')}: one credential per user (at most 20) or one for every session of the target`, 'user')
    .option('--managed-identity <name>', 'a user-assigned managed identity instead of an application registration')
    .option('--resource-group <name>', "the managed identity's resource group")
    .option('--issuer <url>', 'the issuer URL (default: the configured issuer, ROLEPORT_ISSUER)')
    .option('--format <format>', `output format: ${AZURE_SETUP_FORMATS.join('|')}`, 'az')
    .option('--json', 'same as --format json')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AzureFlags>();
      const format = flags.json === true ? 'json' : (flags.format ?? 'az');
      if (!(AZURE_SETUP_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: expected one of ${AZURE_SETUP_FORMATS.join(', ')}`);
      if (!(SUBJECT_SCOPES as readonly string[]).includes(flags.subjectScope ?? 'user')) throw new UsageError(`--subject-scope ${flags.subjectScope}: expected ${SUBJECT_SCOPES.join(' or ')}`);
      if ((flags.managedIdentity === undefined) !== (flags.resourceGroup === undefined)) throw new UsageError('--managed-identity and --resource-group go together');
      const issuer = flags.issuer ?? configFromFlags(flags).issuer;
      const setup = buildFederatedCredentialSetup({
        issuer,
        target: { name: flags.target!, tenantId: flags.tenant!, clientId: flags.clientId!, subjectScope: (flags.subjectScope ?? 'user') as SubjectScope },
        users: flags.user,
        managedIdentity: flags.managedIdentity === undefined ? undefined : { name: flags.managedIdentity, resourceGroup: flags.resourceGroup! },
        allowHttpIssuer: true,
      });
      if (issuer.startsWith('http://')) process.stderr.write(`note: the issuer ${issuer} is http: Entra requires https (fine for Roleport's local Entra endpoint)\n`);
      process.stdout.write(renderFederatedCredentialSetup(setup, format as AzureSetupFormat));
    });

  azure
    .command('environment')
    .description('print the environment the Azure Identity libraries read (WorkloadIdentityCredential, DefaultAzureCredential)')
    .requiredOption('--tenant <id>', 'the tenant ID')
    .requiredOption('--client-id <guid>', 'the client ID')
    .requiredOption('--token-file <path>', 'the token file the agent keeps fresh (absolute path)')
    .option('--authority-host <url>', 'default https://login.microsoftonline.com; the local Entra endpoint: <azure serve URL>')
    .option('--json', 'print JSON')
    .action((_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AzureFlags>();
      if (!flags.tokenFile!.startsWith('/')) throw new UsageError(`--token-file ${flags.tokenFile}: give an absolute path`);
      const env = renderAzureEnvironment({ tenantId: flags.tenant!, clientId: flags.clientId!, tokenFile: flags.tokenFile!, authorityHost: flags.authorityHost });
      print({ json: flags.json === true }, env, () => Object.entries(env).map(([name, value]) => `export ${name}=${value}`).join('\n'));
    });

  azure
    .command('serve')
    .description('run only the local Entra token endpoint on 127.0.0.1 over TLS (AZURE_AUTHORITY_HOST=https://127.0.0.1:PORT; clients trust the certificate through NODE_EXTRA_CA_CERTS)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8443')
    .requiredOption('--tls-cert <file>', 'PEM certificate chain for 127.0.0.1')
    .requiredOption('--tls-key <file>', 'PEM private key')
    .option('--json', 'print {"azure": URL} once listening')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<AzureFlags>();
      const port = parsePort(flags.port);
      for (const [file, flag] of [[flags.tlsCert!, '--tls-cert'], [flags.tlsKey!, '--tls-key']] as const) readInput(file, flag);
      const app = await createCloudApplication(
        configFromFlags(flags, { 'azure.enabled': true, 'azure.listen': `127.0.0.1:${port}`, 'azure.tls.certFile': flags.tlsCert, 'azure.tls.keyFile': flags.tlsKey }),
        'azure',
      );
      await serveUntilShutdown(app, 'azure', flags.json === true);
    });
}
