/**
 * `roleport azure federated-credential`: the federated identity credentials an admin adds to
 * an Entra application (or a user-assigned managed identity) so that Entra trusts this
 * issuer's tokens for one target — issuer, exact subject, audience — as `az` commands,
 * Terraform, or JSON (what the local Entra endpoint registers:
 * `roleport azure credential add --from-setup`).
 * @see https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation-create-trust
 * @see https://learn.microsoft.com/en-us/cli/azure/ad/app/federated-credential
 * @see https://registry.terraform.io/providers/hashicorp/azuread/latest/docs/resources/application_federated_identity_credential
 */
import { invalidInput } from '../core/index.ts';
import { raw, renderFile, resourceName, type HclBlock } from '../core/hcl.ts';
import { shellCommand } from '../core/shell-quote.ts';
import { MAX_FEDERATED_CREDENTIALS, MAX_NAME_LENGTH, TOKEN_EXCHANGE_AUDIENCE, federatedCredentialProblem, type FederatedCredentialInput } from './federated-credential.ts';
import { azureTargetSubject, checkAzureTarget, type AzureTarget } from './target.ts';

export const AZURE_SETUP_FORMATS = ['az', 'terraform', 'json'] as const;
export type AzureSetupFormat = (typeof AZURE_SETUP_FORMATS)[number];

export interface FederatedCredentialSetupOptions {
  issuer: string;
  target: AzureTarget;
  /** With the `user` subject scope: the users granted the target (one credential each). */
  users?: readonly string[] | undefined;
  /** A user-assigned managed identity instead of an application registration. */
  managedIdentity?: { name: string; resourceGroup: string } | undefined;
  allowHttpIssuer?: boolean;
}

export interface FederatedCredentialSetup {
  tenantId: string;
  clientId: string;
  target: string;
  managedIdentity: { name: string; resourceGroup: string } | undefined;
  credentials: Required<FederatedCredentialInput>[];
}

/** `roleport-<target>[-<user>]`, reduced to the name's alphabet and length. */
function credentialName(target: string, user: string | undefined, taken: Set<string>): string {
  const base = (user === undefined ? `roleport-${target}` : `roleport-${target}-${user.replace(/[^A-Za-z0-9_-]+/g, '-')}`).slice(0, MAX_NAME_LENGTH - 4);
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

export function buildFederatedCredentialSetup(options: FederatedCredentialSetupOptions): FederatedCredentialSetup {
  checkAzureTarget(options.target);
  const scope = options.target.subjectScope ?? 'user';
  const users = [...new Set(options.users ?? [])];
  if (scope === 'user' && users.length === 0) throw invalidInput('the user subject scope needs the users granted the target (--user, repeatable), or use --subject-scope target');
  if (scope === 'target' && users.length > 0) throw invalidInput('--user is for the user subject scope: with --subject-scope target every session shares one credential');
  const taken = new Set<string>();
  const credentials = (scope === 'target' ? [undefined] : users).map((user) => {
    const credential = {
      name: credentialName(options.target.name, user, taken),
      issuer: options.issuer,
      subject: azureTargetSubject(options.target.name, scope, user),
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
      description: user === undefined ? `Roleport sessions of target ${options.target.name}` : `Roleport sessions of ${user} for target ${options.target.name}`,
    };
    const problem = federatedCredentialProblem(credential, { allowHttpIssuer: options.allowHttpIssuer === true });
    if (problem !== undefined) throw invalidInput(problem);
    return credential;
  });
  if (credentials.length > MAX_FEDERATED_CREDENTIALS) {
    throw invalidInput(`${credentials.length} users need ${credentials.length} credentials; Entra takes at most ${MAX_FEDERATED_CREDENTIALS} per application: use --subject-scope target`);
  }
  return { tenantId: options.target.tenantId, clientId: options.target.clientId, target: options.target.name, managedIdentity: options.managedIdentity, credentials };
}

export function renderFederatedCredentialSetup(setup: FederatedCredentialSetup, format: AzureSetupFormat): string {
  if (format === 'json') return `${JSON.stringify(setupJson(setup), null, 2)}\n`;
  return format === 'az' ? renderAz(setup) : renderTerraform(setup);
}

export function setupJson(setup: FederatedCredentialSetup) {
  return {
    tenant_id: setup.tenantId,
    client_id: setup.clientId,
    target: setup.target,
    credentials: setup.credentials.map((credential) => ({ ...credential, audiences: [...credential.audiences] })),
  };
}

function renderAz(setup: FederatedCredentialSetup): string {
  const lines = [`# Federated identity credentials for Roleport target ${setup.target} (tenant ${setup.tenantId}, client ID ${setup.clientId}).`];
  for (const credential of setup.credentials) {
    lines.push('');
    if (setup.managedIdentity === undefined) {
      const parameters = JSON.stringify({ name: credential.name, issuer: credential.issuer, subject: credential.subject, audiences: credential.audiences, description: credential.description });
      lines.push(shellCommand(['az', 'ad', 'app', 'federated-credential', 'create', '--id', setup.clientId, '--parameters', parameters]));
    } else {
      lines.push(
        shellCommand([
          'az', 'identity', 'federated-credential', 'create', '--name', credential.name, '--identity-name', setup.managedIdentity.name,
          '--resource-group', setup.managedIdentity.resourceGroup, '--issuer', credential.issuer, '--subject', credential.subject, '--audiences', ...credential.audiences,
        ]),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function renderTerraform(setup: FederatedCredentialSetup): string {
  const blocks: HclBlock[] = [];
  if (setup.managedIdentity === undefined) {
    blocks.push({ type: 'data', labels: ['azuread_application', 'target'], body: [{ attribute: 'client_id', value: setup.clientId }] });
    for (const credential of setup.credentials) {
      blocks.push({
        type: 'resource',
        labels: ['azuread_application_federated_identity_credential', resourceName(credential.name)],
        body: [
          { attribute: 'application_id', value: raw('data.azuread_application.target.id') },
          { attribute: 'display_name', value: credential.name },
          { attribute: 'description', value: credential.description },
          { attribute: 'issuer', value: credential.issuer },
          { attribute: 'subject', value: credential.subject },
          { attribute: 'audiences', value: credential.audiences },
        ],
      });
    }
  } else {
    blocks.push({
      type: 'data',
      labels: ['azurerm_user_assigned_identity', 'target'],
      body: [{ attribute: 'name', value: setup.managedIdentity.name }, { attribute: 'resource_group_name', value: setup.managedIdentity.resourceGroup }],
    });
    for (const credential of setup.credentials) {
      blocks.push({
        type: 'resource',
        labels: ['azurerm_federated_identity_credential', resourceName(credential.name)],
        body: [
          { attribute: 'name', value: credential.name },
          { attribute: 'resource_group_name', value: setup.managedIdentity.resourceGroup },
          { attribute: 'parent_id', value: raw('data.azurerm_user_assigned_identity.target.id') },
          { attribute: 'issuer', value: credential.issuer },
          { attribute: 'subject', value: credential.subject },
          { attribute: 'audience', value: credential.audiences },
        ],
      });
    }
  }
  return renderFile(blocks, { comment: `Federated identity credentials for Roleport target ${setup.target}.` });
}
