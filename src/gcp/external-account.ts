/**
 * What Google's client libraries read, no vendor library needed: an `external_account`
 * credential configuration whose subject token is a file the agent keeps fresh, named by
 * `GOOGLE_APPLICATION_CREDENTIALS`.
 * @see https://google.aip.dev/auth/4117 (external account credentials)
 * @see https://cloud.google.com/iam/docs/workload-identity-federation-with-other-providers#create-cred-config
 */
import { JWT_TOKEN_TYPE, STS_URL } from './sts-rules.ts';
import { serviceAccountImpersonationUrl } from './service-account.ts';
import type { WorkloadIdentityProviderName } from './resource-names.ts';

export const GOOGLE_APPLICATION_CREDENTIALS = 'GOOGLE_APPLICATION_CREDENTIALS';

export interface ExternalAccountOptions {
  provider: WorkloadIdentityProviderName;
  /** The token file (absolute path) the agent rewrites; read at every refresh. */
  tokenFile: string;
  /** Default Google's STS; the local Google STS's `…/v1/token` offline. */
  tokenUrl?: string | undefined;
  serviceAccount?: string | undefined;
  /** Default `https://iamcredentials.googleapis.com`; the local Google STS's root offline. */
  iamCredentialsUrl?: string | undefined;
  /** `generateAccessToken`'s lifetime (default the libraries' 3600 s). */
  impersonationLifetimeSeconds?: number | undefined;
}

export interface ExternalAccountConfig {
  type: 'external_account';
  audience: string;
  subject_token_type: string;
  token_url: string;
  credential_source: { file: string; format: { type: 'text' } };
  service_account_impersonation_url?: string;
  service_account_impersonation?: { token_lifetime_seconds: number };
}

/** The configuration object; write it as JSON (mode 0600) and point `GOOGLE_APPLICATION_CREDENTIALS` at it. */
export function renderExternalAccountConfig(options: ExternalAccountOptions): ExternalAccountConfig {
  const config: ExternalAccountConfig = {
    type: 'external_account',
    audience: options.provider.audience,
    subject_token_type: JWT_TOKEN_TYPE,
    token_url: options.tokenUrl ?? STS_URL,
    // `text`: the file holds the bare JWT, exactly what the agent writes for AWS.
    credential_source: { file: options.tokenFile, format: { type: 'text' } },
  };
  if (options.serviceAccount !== undefined) {
    config.service_account_impersonation_url = serviceAccountImpersonationUrl(options.serviceAccount, options.iamCredentialsUrl);
    if (options.impersonationLifetimeSeconds !== undefined) config.service_account_impersonation = { token_lifetime_seconds: options.impersonationLifetimeSeconds };
  }
  return config;
}

/** The environment a session gets for a GCP target. */
export function renderGcpEnvironment(configFile: string): Record<string, string> {
  return { [GOOGLE_APPLICATION_CREDENTIALS]: configFile };
}
