import { mkdirSync } from 'node:fs';
import { writeFileAtomically } from '../core/index.ts';
import { renderAzureEnvironment } from '../azure/index.ts';
import { parseProviderName, renderExternalAccountConfig, renderGcpEnvironment } from '../gcp/index.ts';
import { azureTokenFile, gcpConfigFile, gcpTokenFile, type BrokerGcpTarget, type BrokerSession, type SessionLayout } from '../client/index.ts';

/**
 * What Google's and Azure's client libraries read for a session's cloud targets, no vendor
 * library needed: per GCP target an `external_account` configuration whose subject token is
 * the target's token file, and the AZURE_* variables of workload identity. The environment
 * names the first target of each cloud; the others' files are beside it.
 * @see https://google.aip.dev/auth/4117
 * @see https://learn.microsoft.com/en-us/javascript/api/@azure/identity/workloadidentitycredential
 */
export function cloudEnvironment(session: BrokerSession, layout: SessionLayout): Record<string, string> {
  const gcp = session.gcpTargets[0];
  const azure = session.azureTargets[0];
  return {
    ...(gcp === undefined ? {} : renderGcpEnvironment(gcpConfigFile(layout, gcp.name))),
    ...(azure === undefined ? {} : renderAzureEnvironment({ tenantId: azure.tenantId, clientId: azure.clientId, tokenFile: azureTokenFile(layout, azure.name), authorityHost: azure.authorityHost })),
  };
}

/**
 * Credential variables a workload must not inherit when the session has targets of that
 * cloud: `DefaultAzureCredential` tries a client secret, certificate or password in the
 * environment before workload identity, so an inherited one would win over the session's.
 */
export function cloudShadowingVariables(session: BrokerSession): string[] {
  return session.azureTargets.length === 0 ? [] : ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'AZURE_USERNAME', 'AZURE_PASSWORD'];
}

/** The external_account configuration of one GCP target, pointing at its token file. */
export function gcpTargetConfig(target: BrokerGcpTarget, layout: SessionLayout) {
  const provider = parseProviderName(target.provider);
  if (provider === undefined) throw new TypeError(`the broker sent GCP target ${target.name} with a provider that is not a resource name: ${target.provider}`);
  return renderExternalAccountConfig({ provider, tokenFile: gcpTokenFile(layout, target.name), tokenUrl: target.tokenUrl, serviceAccount: target.serviceAccount, iamCredentialsUrl: target.iamCredentialsUrl });
}

/** Writes each GCP target's configuration (atomic, 0600, in the 0700 `gcp/` directory). */
export function writeGcpConfigs(session: BrokerSession, layout: SessionLayout): void {
  if (session.gcpTargets.length === 0) return;
  mkdirSync(layout.gcpDir, { recursive: true, mode: 0o700 });
  for (const target of session.gcpTargets) writeFileAtomically(gcpConfigFile(layout, target.name), `${JSON.stringify(gcpTargetConfig(target, layout), null, 2)}\n`, 0o600);
}
