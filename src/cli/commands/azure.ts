import { createCloudApplication } from '../../app.ts';
import {
  AZURE_SETUP_FORMATS,
  SUBJECT_SCOPES,
  buildFederatedCredentialSetup,
  renderAzureEnvironment,
  renderFederatedCredentialSetup,
  type AzureSetupFormat,
  type SubjectScope,
} from '../../azure/index.ts';
import { formatEntraExplanation, type EntraFederatedCredential } from '../../entra/index.ts';
import { configFromFlags, withServices, type ConfigFlags } from '../context.ts';
import { UsageError, print, table } from '../output.ts';
import { readInput, readJsonObject } from '../input-files.ts';
import { parsePort } from '../flags.ts';
import { serveUntilShutdown } from '../serve-listener.ts';

/** The flags of every `roleport azure …` command, as commander parses them. */
export interface AzureFlags extends ConfigFlags {
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

/** `roleport azure credential add`. */
export async function runAzureCredentialAdd(flags: AzureFlags): Promise<void> {
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
    
}

/** `roleport azure credential list`. */
export async function runAzureCredentialList(flags: AzureFlags): Promise<void> {
  const list = await withServices(flags, (services) => (flags.clientId === undefined ? services.entra.registry.list() : services.entra.registry.credentialsOf(flags.clientId)));
  print({ json: flags.json === true }, { credentials: list.map(credentialJson) }, () =>
    list.length === 0 ? 'no federated identity credentials' : table(['CLIENT ID', 'NAME', 'ISSUER', 'SUBJECT'], list.map((c) => [c.clientId, c.name, c.issuer, c.subject])),
  );
    
}

/** `roleport azure credential remove`. */
export async function runAzureCredentialRemove(flags: AzureFlags): Promise<void> {
  await withServices(flags, (services) => services.entra.registry.remove(flags.clientId!, flags.name!));
  print({ json: flags.json === true }, { removed: { client_id: flags.clientId, name: flags.name } }, () => `removed credential ${flags.name} of ${flags.clientId}`);
    
}

/** `roleport azure explain`. */
export async function runAzureExplain(flags: AzureFlags): Promise<void> {
  if ((flags.token === undefined) === (flags.claims === undefined)) throw new UsageError('give exactly one of --token FILE|- and --claims FILE');
  const token = flags.token === undefined ? { claims: readJsonObject(flags.claims!, '--claims') } : readInput(flags.token, '--token').trim();
  const result = await withServices(flags, (services) => services.entra.explain({ clientId: flags.clientId!, token }));
  print({ json: flags.json === true }, result, () => formatEntraExplanation(result));
    
}

/** `roleport azure federated-credential`. */
export async function runAzureFederatedCredential(flags: AzureFlags): Promise<void> {
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
    
}

/** `roleport azure environment`. */
export async function runAzureEnvironment(flags: AzureFlags): Promise<void> {
  if (!flags.tokenFile!.startsWith('/')) throw new UsageError(`--token-file ${flags.tokenFile}: give an absolute path`);
  const env = renderAzureEnvironment({ tenantId: flags.tenant!, clientId: flags.clientId!, tokenFile: flags.tokenFile!, authorityHost: flags.authorityHost });
  print({ json: flags.json === true }, env, () => Object.entries(env).map(([name, value]) => `export ${name}=${value}`).join('\n'));
    
}

/** `roleport azure serve`. */
export async function runAzureServe(flags: AzureFlags): Promise<void> {
  const port = parsePort(flags.port);
  for (const [file, flag] of [[flags.tlsCert!, '--tls-cert'], [flags.tlsKey!, '--tls-key']] as const) readInput(file, flag);
  const app = await createCloudApplication(
    configFromFlags(flags, { 'azure.enabled': true, 'azure.listen': `127.0.0.1:${port}`, 'azure.tls.certFile': flags.tlsCert, 'azure.tls.keyFile': flags.tlsKey }),
    'azure',
  );
  await serveUntilShutdown(app, 'azure', flags.json === true);
    
}

