import type { Command } from 'commander';
import type { AzureFlags } from '../commands/azure.ts';
import type { GcpFlags } from '../commands/gcp.ts';
import { TOKEN_EXCHANGE_AUDIENCE } from '../../azure/federated-credential.ts';
import { collect } from '../flags.ts';

/*
 * The other clouds' workload identity federation: `gcp` and `azure` (setup generators, local
 * counterparts, explain). Each action loads its command's module only when it runs; the
 * help texts name the formats and scopes that the commands check against gcp/ and azure/
 * (importing those here would load them for every command).
 */

/**
 * `roleport gcp …`: the local Google STS's providers and service accounts, `explain`, the
 * setup generator for Google Cloud, the `external_account` file, and `gcp serve`.
 */
export function defineGcpCommands(program: Command): void {
  const load = () => import('../commands/gcp.ts');
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
    .action(async (_options: unknown, command: Command) => (await load()).runGcpProviderAdd(command.optsWithGlobals<GcpFlags>()));
  provider
    .command('list')
    .description('show the registered providers')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpProviderList(command.optsWithGlobals<GcpFlags>()));
  provider
    .command('remove')
    .description('unregister a provider')
    .requiredOption('--name <resource>', 'the provider resource name')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpProviderRemove(command.optsWithGlobals<GcpFlags>()));

  const account = gcp.command('service-account').description('service accounts federated principals may impersonate (roles/iam.workloadIdentityUser)');
  account
    .command('add')
    .description('register a service account and who may impersonate it (or replace its members)')
    .requiredOption('--email <email>', 'ACCOUNT_ID@PROJECT_ID.iam.gserviceaccount.com')
    .requiredOption('--member <principal>', 'principal://… or principalSet://… granted roles/iam.workloadIdentityUser (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpServiceAccountAdd(command.optsWithGlobals<GcpFlags>()));
  account
    .command('list')
    .description('show the registered service accounts')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpServiceAccountList(command.optsWithGlobals<GcpFlags>()));
  account
    .command('remove')
    .description('unregister a service account')
    .requiredOption('--email <email>', 'the service account email')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpServiceAccountRemove(command.optsWithGlobals<GcpFlags>()));

  gcp
    .command('explain')
    .description("explain offline why Google's STS would accept or refuse a token for a registered provider (and, with --service-account, impersonation); exit 0 for allow and deny")
    .requiredOption('--provider <resource>', 'the provider resource name (or its //iam.googleapis.com/… audience)')
    .option('--token <file>', 'the token, or - for standard input (decoded, not verified)')
    .option('--claims <file>', 'the token claims as a JSON object, instead of a token')
    .option('--service-account <email>', 'also explain generateAccessToken for this service account')
    .option('--json', 'print {decision, checks, identity, principals, impersonation, google, notes} as JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpExplain(command.optsWithGlobals<GcpFlags>()));

  gcp
    .command('workload-identity-provider')
    .description('what to create in Google Cloud: pool, OIDC provider (issuer, allowed audience, attribute mapping, a condition that admits only these targets), service account bindings')
    .requiredOption('--project-number <number>', 'the project number (not its ID) of the pool')
    .requiredOption('--pool <id>', 'the workload identity pool ID (4-32 of a-z, 0-9, -)')
    .requiredOption('--provider <id>', 'the provider ID (4-32 of a-z, 0-9, -)')
    .requiredOption('--target <name[=sa-email]>', 'a target the provider serves, with the service account it impersonates if any (repeatable)', collect)
    .option('--issuer <url>', 'the issuer URL (default: the configured issuer, ROLEPORT_ISSUER)')
    .option('--format <format>', 'output format: gcloud|terraform|json', 'gcloud')
    .option('--json', 'same as --format json')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpWorkloadIdentityProvider(command.optsWithGlobals<GcpFlags>()));

  gcp
    .command('external-account')
    .description('print the external_account credential configuration Google\'s client libraries read (GOOGLE_APPLICATION_CREDENTIALS)')
    .requiredOption('--provider <resource>', 'the provider resource name')
    .requiredOption('--token-file <path>', 'the token file the agent keeps fresh (absolute path)')
    .option('--service-account <email>', 'impersonate this service account')
    .option('--token-url <url>', 'the STS token endpoint (default https://sts.googleapis.com/v1/token; the local Google STS: <gcp serve URL>/v1/token)')
    .option('--iam-credentials-url <url>', 'the IAM Credentials root (default https://iamcredentials.googleapis.com; the local one: <gcp serve URL>)')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpExternalAccount(command.optsWithGlobals<GcpFlags>()));

  gcp
    .command('serve')
    .description('run only the local Google STS and IAM Credentials endpoint on 127.0.0.1 (point token_url and service_account_impersonation_url at it)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8084')
    .option('--json', 'print {"gcp": URL} once listening')
    .action(async (_options: unknown, command: Command) => (await load()).runGcpServe(command.optsWithGlobals<GcpFlags>()));
}

/**
 * `roleport azure …`: the local Entra endpoint's federated identity credentials, `explain`,
 * the setup generator for Azure, the environment the Azure Identity libraries read, and
 * `azure serve`.
 */
export function defineAzureCommands(program: Command): void {
  const load = () => import('../commands/azure.ts');
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
    .action(async (_options: unknown, command: Command) => (await load()).runAzureCredentialAdd(command.optsWithGlobals<AzureFlags>()));
  credential
    .command('list')
    .description('show the registered credentials')
    .option('--client-id <guid>', 'only this application')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runAzureCredentialList(command.optsWithGlobals<AzureFlags>()));
  credential
    .command('remove')
    .description('unregister a credential')
    .requiredOption('--client-id <guid>', 'the client ID')
    .requiredOption('--name <name>', 'the credential name')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runAzureCredentialRemove(command.optsWithGlobals<AzureFlags>()));

  azure
    .command('explain')
    .description('explain offline why Entra would accept or refuse a token as the client assertion of a registered application; exit 0 for allow and deny')
    .requiredOption('--client-id <guid>', "the application's or managed identity's client ID")
    .option('--token <file>', 'the token, or - for standard input (decoded, not verified)')
    .option('--claims <file>', 'the token claims as a JSON object, instead of a token')
    .option('--json', 'print {decision, checks, credential, entra, notes} as JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runAzureExplain(command.optsWithGlobals<AzureFlags>()));

  azure
    .command('federated-credential')
    .description('what to add in Azure: the federated identity credential(s) of one target — issuer, exact subject, audience api://AzureADTokenExchange')
    .requiredOption('--tenant <id>', 'the tenant ID (GUID) or verified domain')
    .requiredOption('--client-id <guid>', "the application's or managed identity's client ID")
    .requiredOption('--target <name>', 'the target name (1-63 of a-z, 0-9, -)')
    .option('--user <username>', 'a user granted the target: one credential each (repeatable; the user subject scope)', collect)
    .option('--subject-scope <scope>', 'user|target: one credential per user (at most 20) or one for every session of the target', 'user')
    .option('--managed-identity <name>', 'a user-assigned managed identity instead of an application registration')
    .option('--resource-group <name>', "the managed identity's resource group")
    .option('--issuer <url>', 'the issuer URL (default: the configured issuer, ROLEPORT_ISSUER)')
    .option('--format <format>', 'output format: az|terraform|json', 'az')
    .option('--json', 'same as --format json')
    .action(async (_options: unknown, command: Command) => (await load()).runAzureFederatedCredential(command.optsWithGlobals<AzureFlags>()));

  azure
    .command('environment')
    .description('print the environment the Azure Identity libraries read (WorkloadIdentityCredential, DefaultAzureCredential)')
    .requiredOption('--tenant <id>', 'the tenant ID')
    .requiredOption('--client-id <guid>', 'the client ID')
    .requiredOption('--token-file <path>', 'the token file the agent keeps fresh (absolute path)')
    .option('--authority-host <url>', 'default https://login.microsoftonline.com; the local Entra endpoint: <azure serve URL>')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => (await load()).runAzureEnvironment(command.optsWithGlobals<AzureFlags>()));

  azure
    .command('serve')
    .description('run only the local Entra token endpoint on 127.0.0.1 over TLS (AZURE_AUTHORITY_HOST=https://127.0.0.1:PORT; clients trust the certificate through NODE_EXTRA_CA_CERTS)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8443')
    .requiredOption('--tls-cert <file>', 'PEM certificate chain for 127.0.0.1')
    .requiredOption('--tls-key <file>', 'PEM private key')
    .option('--json', 'print {"azure": URL} once listening')
    .action(async (_options: unknown, command: Command) => (await load()).runAzureServe(command.optsWithGlobals<AzureFlags>()));
}
