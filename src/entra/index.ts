/**
 * The local Entra token endpoint: Microsoft identity platform's client credentials flow with
 * a federated client assertion (`POST /{tenant}/oauth2/v2.0/token`), checked against
 * federated identity credentials (issuer, exact subject, audience), plus the instance
 * discovery and OpenID configuration documents MSAL reads first, answering with Entra's
 * AADSTS error shape — so `@azure/identity` (MSAL) works unchanged against it over TLS.
 *
 * @example
 * const entra = createEntra({ storage, keys, sealer, clock, logger, events });
 * const answer = await entra.handleToken(tenant, formParams, 'https://127.0.0.1:8443');
 *
 * @see https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation
 */
import type { Clock, EventSink, Logger } from '../core/index.ts';
import type { KeySource } from '../jwks/index.ts';
import type { Sealer } from '../secrets/index.ts';
import { instanceDiscoveryDocument, openIdConfiguration } from './discovery.ts';
import { EntraError, renderEntraError, type EntraResponse } from './errors.ts';
import { explainEntraAssertion, type EntraExplainResult } from './explain.ts';
import { createEntraRegistry, type EntraRegistry, type EntraRegistryStorage } from './registry.ts';
import { issueToken } from './token-endpoint.ts';

export { EntraError, type EntraResponse } from './errors.ts';
export { formatEntraExplanation, type EntraExplainResult } from './explain.ts';
export type { EntraCheck, EntraCheckName } from './assertion.ts';
export type { AddFederatedCredentialInput, EntraFederatedCredential, EntraRegistry, EntraRegistryStorage } from './registry.ts';
export { DEV_AZURE_CLIENT_ID, DEV_AZURE_TARGETS, DEV_AZURE_TENANT_ID, registerDevEntra } from './dev-registry.ts';

export interface EntraOptions {
  storage: EntraRegistryStorage;
  keys: KeySource;
  sealer: Sealer;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  allowHttpIssuers?: boolean;
  registryReloadMs?: number;
}

export interface Entra {
  readonly registry: EntraRegistry;
  /** `POST /{tenant}/oauth2/v2.0/token`; never throws: refusals are Entra's error JSON. */
  handleToken(tenant: string, params: Readonly<Record<string, string | undefined>>): Promise<EntraResponse>;
  /** `GET /common/discovery/instance` (and `/{tenant}/discovery/instance`). */
  instanceDiscovery(baseUrl: string): EntraResponse;
  /** `GET /{tenant}/v2.0/.well-known/openid-configuration`. */
  openIdConfiguration(baseUrl: string, tenant: string): EntraResponse;
  explain(options: { clientId: string; token: string | { claims: Record<string, unknown> }; now?: number }): Promise<EntraExplainResult>;
}

export function createEntra(options: EntraOptions): Entra {
  const registry = createEntraRegistry({ storage: options.storage, clock: options.clock, reloadMs: options.registryReloadMs ?? 2000, allowHttpIssuers: options.allowHttpIssuers ?? true });
  const deps = { registry, keys: options.keys, sealer: options.sealer, clock: options.clock, events: options.events };
  return {
    registry,
    async handleToken(tenant, params) {
      try {
        return { status: 200, headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' }, body: { ...(await issueToken(deps, tenant, params)) } };
      } catch (error) {
        if (error instanceof EntraError) {
          options.logger.info({ aadsts: error.aadsts, reason: error.message, detail: error.detail }, 'local entra refused a token request');
          return renderEntraError(error, options.clock.now());
        }
        options.logger.error({ err: error }, 'local entra token endpoint failed');
        return { status: 500, body: { error: 'server_error', error_description: 'AADSTS90000: Internal error.' } };
      }
    },
    instanceDiscovery: (baseUrl) => ({ status: 200, body: instanceDiscoveryDocument(baseUrl) }),
    openIdConfiguration: (baseUrl, tenant) => ({ status: 200, body: openIdConfiguration(baseUrl, tenant) }),
    async explain(explainOptions) {
      return explainEntraAssertion({ clientId: explainOptions.clientId, credentials: await registry.credentialsOf(explainOptions.clientId), token: explainOptions.token, now: explainOptions.now ?? options.clock.now() });
    },
  };
}
