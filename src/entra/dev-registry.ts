import { buildFederatedCredentialSetup, type AzureTarget } from '../azure/index.ts';
import type { EntraRegistry } from './registry.ts';

/**
 * What `roleport dev` registers in its local Entra endpoint, as an admin would in Entra: the
 * federated identity credentials that `roleport azure federated-credential` prints for the
 * demo target and its users (one credential per user: the subject names user and target) —
 * so the demo refuses another user's or another target's token exactly as Entra would.
 */
export const DEV_AZURE_TENANT_ID = '00000000-0000-4000-8000-00000000de70';
export const DEV_AZURE_CLIENT_ID = '00000000-0000-4000-8000-0000000a11ce';

/** The demo target: an application registration in the demo tenant. */
export const DEV_AZURE_TARGETS: readonly AzureTarget[] = [{ name: 'analytics', tenantId: DEV_AZURE_TENANT_ID, clientId: DEV_AZURE_CLIENT_ID, subjectScope: 'user' }];

/** Registers (adds or replaces) the demo credentials for `issuer` and the users granted the target, at every start. */
export async function registerDevEntra(registry: EntraRegistry, issuer: string, users: readonly string[]): Promise<void> {
  for (const target of DEV_AZURE_TARGETS) {
    const setup = buildFederatedCredentialSetup({ issuer, target, users, allowHttpIssuer: true });
    for (const credential of setup.credentials) await registry.add({ tenantId: setup.tenantId, clientId: setup.clientId, ...credential });
  }
}
