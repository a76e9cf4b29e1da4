import { buildWorkloadIdentityProviderSetup, providerName, type GcpTarget } from '../gcp/index.ts';
import type { GcpRegistry } from './registry.ts';

/**
 * What `roleport dev` registers in its local Google STS, as an admin would set it up in
 * Google Cloud: one workload identity pool provider trusting the dev issuer, built by the
 * same generator as `roleport gcp workload-identity-provider` prints (attribute mapping,
 * the condition that binds each target, the service account's IAM binding) — so the demo
 * refuses a token for another target exactly as Google would with that setup.
 */
export const DEV_GCP_PROJECT_NUMBER = '123456789012';
export const DEV_GCP_PROVIDER = providerName(DEV_GCP_PROJECT_NUMBER, 'roleport-dev', 'broker');
export const DEV_GCP_SERVICE_ACCOUNT = 'deployer@roleport-demo.iam.gserviceaccount.com';

/** The demo targets: `analytics` federates directly, `deployer` impersonates a service account. */
export const DEV_GCP_TARGETS: readonly GcpTarget[] = [
  { name: 'analytics', provider: DEV_GCP_PROVIDER.name },
  { name: 'deployer', provider: DEV_GCP_PROVIDER.name, serviceAccount: DEV_GCP_SERVICE_ACCOUNT },
];

/** Registers (adds or replaces) the demo provider and service account for `issuer`, at every start. */
export async function registerDevGcp(registry: GcpRegistry, issuer: string): Promise<void> {
  const setup = buildWorkloadIdentityProviderSetup({
    issuer,
    projectNumber: DEV_GCP_PROVIDER.projectNumber,
    poolId: DEV_GCP_PROVIDER.poolId,
    providerId: DEV_GCP_PROVIDER.providerId,
    targets: DEV_GCP_TARGETS.map((target) => ({ name: target.name, serviceAccount: target.serviceAccount })),
    allowHttpIssuer: true,
  });
  await registry.addProvider({ name: setup.provider.name, issuerUri: setup.issuerUri, allowedAudiences: setup.allowedAudiences, attributeMapping: setup.attributeMapping, attributeCondition: setup.attributeCondition });
  for (const account of setup.serviceAccounts) await registry.addServiceAccount(account);
}
