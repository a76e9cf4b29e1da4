/**
 * The local Google STS: Google's Security Token Service token exchange (`POST /v1/token`,
 * RFC 8693 for OIDC subject tokens) and the IAM Service Account Credentials API's
 * `generateAccessToken`, offline — workload identity pool providers with their issuer, JWKS,
 * allowed audiences, attribute mapping and attribute condition (CEL), and service accounts
 * with the federated principals that may impersonate them — answering with Google's error
 * shapes, so `google-auth-library` and the other client libraries work unchanged against it.
 *
 * @example
 * const gcp = createGoogleSts({ storage, keys, sealer, clock, logger, events });
 * const answer = await gcp.handleTokenExchange(formParams); // from the HTTP adapter
 *
 * @see https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
 * @see https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken
 */
import type { Clock, EventSink, Logger } from '../core/index.ts';
import type { KeySource } from '../jwks/index.ts';
import type { Sealer } from '../secrets/index.ts';
import { createCelEvaluator } from './cel.ts';
import { GoogleApiError, GoogleOAuthError, renderApiError, renderOAuthError, type GoogleResponse } from './errors.ts';
import { exchangeToken } from './exchange.ts';
import { explainGcpToken, type GcpExplainOptions, type GcpExplainResult } from './explain.ts';
import { generateAccessToken } from './impersonation.ts';
import { createGcpRegistry, type GcpRegistry, type GcpRegistryStorage } from './registry.ts';

export { GoogleApiError, GoogleOAuthError, GOOGLE_MESSAGES, type GoogleResponse } from './errors.ts';
export { formatGcpExplanation, type GcpExplainOptions, type GcpExplainResult } from './explain.ts';
export type { GcpCheck, GcpCheckName, FederatedIdentity } from './subject-token.ts';
export type { AddGcpProviderInput, GcpProvider, GcpRegistry, GcpRegistryStorage, GcpServiceAccount } from './registry.ts';
export { extractTemplate } from './cel.ts';
export { DEV_GCP_PROVIDER, DEV_GCP_SERVICE_ACCOUNT, DEV_GCP_TARGETS, registerDevGcp } from './dev-registry.ts';

export interface GoogleStsOptions {
  storage: GcpRegistryStorage;
  /** The issuers' discovery and JWKS (src/jwks), handed in by the composition root. */
  keys: KeySource;
  sealer: Sealer;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  /** Accept http:// issuer URIs (default true: loopback issuers; Google takes https only). */
  allowHttpIssuers?: boolean;
  registryReloadMs?: number;
}

export interface GoogleSts {
  readonly registry: GcpRegistry;
  /** `POST /v1/token` with form parameters; never throws: refusals are Google's OAuth JSON. */
  handleTokenExchange(params: Readonly<Record<string, string | undefined>>): Promise<GoogleResponse>;
  /** `POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`; never throws: refusals are Google API errors. */
  handleGenerateAccessToken(request: { email: string; authorization: string | undefined; body: unknown }): Promise<GoogleResponse>;
  /** Why the STS would accept or refuse a token (no signature check). */
  explain(options: Omit<GcpExplainOptions, 'now'> & { now?: number }): Promise<GcpExplainResult>;
}

export function createGoogleSts(options: GoogleStsOptions): GoogleSts {
  const cel = createCelEvaluator();
  const registry = createGcpRegistry({ storage: options.storage, clock: options.clock, cel, reloadMs: options.registryReloadMs ?? 2000, allowHttpIssuers: options.allowHttpIssuers ?? true });
  const deps = { registry, keys: options.keys, sealer: options.sealer, cel, clock: options.clock, events: options.events };
  const unexpected = (error: unknown, what: string): GoogleResponse => {
    options.logger.error({ err: error }, `local google ${what} failed`);
    return { status: 500, body: { error: 'server_error', error_description: 'Internal error.' } };
  };
  return {
    registry,
    async handleTokenExchange(params) {
      try {
        return { status: 200, body: { ...(await exchangeToken(deps, params)) } };
      } catch (error) {
        if (error instanceof GoogleOAuthError) {
          options.logger.info({ error: error.oauthError, reason: error.message, detail: error.detail }, 'local google sts refused a token exchange');
          return renderOAuthError(error);
        }
        return unexpected(error, 'sts');
      }
    },
    async handleGenerateAccessToken(request) {
      try {
        return { status: 200, body: { ...(await generateAccessToken(deps, request)) } };
      } catch (error) {
        if (error instanceof GoogleApiError) {
          options.logger.info({ status: error.apiStatus, reason: error.message, detail: error.detail }, 'local iamcredentials refused generateAccessToken');
          return renderApiError(error);
        }
        return unexpected(error, 'iamcredentials');
      }
    },
    explain: (explainOptions) => explainGcpToken(cel, { ...explainOptions, now: explainOptions.now ?? options.clock.now() }),
  };
}
