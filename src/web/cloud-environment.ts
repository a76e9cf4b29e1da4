/**
 * The Google and Azure variables of a session's environment, as the agent's `env` file holds
 * them when the session has cloud targets: the first GCP target's `external_account` file in
 * GOOGLE_APPLICATION_CREDENTIALS, the first Azure target's workload identity variables. The
 * other targets' files sit beside them (`gcp/<name>.json`, `azure/<name>.jwt`).
 */
export interface CloudTargetsView {
  gcpTargets: ReadonlyArray<{ name: string }>;
  azureTargets: ReadonlyArray<{ name: string; tenantId: string; clientId: string; authorityHost: string }>;
}

/** `export NAME=value` lines for a session directory written as `dir` (a shell expression). */
export function cloudTargetLines(session: CloudTargetsView, dir: string): string[] {
  const gcp = session.gcpTargets[0];
  const azure = session.azureTargets[0];
  return [
    ...(gcp === undefined ? [] : [`export GOOGLE_APPLICATION_CREDENTIALS="${dir}/gcp/${gcp.name}.json"`]),
    ...(azure === undefined
      ? []
      : [
          `export AZURE_TENANT_ID=${azure.tenantId}`,
          `export AZURE_CLIENT_ID=${azure.clientId}`,
          `export AZURE_FEDERATED_TOKEN_FILE="${dir}/azure/${azure.name}.jwt"`,
          `export AZURE_AUTHORITY_HOST=${azure.authorityHost}`,
        ]),
  ];
}

/** The other targets, by the file each one's SDK is pointed at instead. */
export function otherTargetFiles(session: CloudTargetsView, dir: string): string[] {
  return [...session.gcpTargets.slice(1).map((t) => `${dir}/gcp/${t.name}.json`), ...session.azureTargets.slice(1).map((t) => `${dir}/azure/${t.name}.jwt`)];
}
