/**
 * What the Azure Identity libraries read for workload identity, no vendor library needed:
 * `WorkloadIdentityCredential` (and `DefaultAzureCredential`) take the tenant, the client ID
 * and a token file re-read at each refresh, and the authority host when it is not Entra's
 * public cloud.
 * @see https://learn.microsoft.com/en-us/javascript/api/@azure/identity/workloadidentitycredential
 * @see https://azure.github.io/azure-workload-identity/docs/quick-start.html
 */
import { PUBLIC_AUTHORITY_HOST } from './token-rules.ts';

export const AZURE_FEDERATED_TOKEN_FILE = 'AZURE_FEDERATED_TOKEN_FILE';
export const AZURE_CLIENT_ID = 'AZURE_CLIENT_ID';
export const AZURE_TENANT_ID = 'AZURE_TENANT_ID';
export const AZURE_AUTHORITY_HOST = 'AZURE_AUTHORITY_HOST';

export interface AzureEnvironmentOptions {
  tenantId: string;
  clientId: string;
  /** The token file (absolute path) the agent rewrites. */
  tokenFile: string;
  /** Default Entra's public cloud; the local Entra endpoint (https) offline. */
  authorityHost?: string | undefined;
}

export function renderAzureEnvironment(options: AzureEnvironmentOptions): Record<string, string> {
  return {
    [AZURE_TENANT_ID]: options.tenantId,
    [AZURE_CLIENT_ID]: options.clientId,
    [AZURE_FEDERATED_TOKEN_FILE]: options.tokenFile,
    [AZURE_AUTHORITY_HOST]: options.authorityHost ?? PUBLIC_AUTHORITY_HOST,
  };
}
