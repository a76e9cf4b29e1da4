/**
 * `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials` and a federated
 * `client_assertion`, offline. Named steps: parse the form, find the application's
 * credentials in the tenant, evaluate the assertion (assertion.ts), issue an access token.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#third-case-access-token-request-with-a-federated-credential
 */
import type { Clock, EventSink } from '../core/index.ts';
import { ACCESS_TOKEN_LIFETIME_SECONDS, ASSERTION_ALGORITHMS, CLIENT_CREDENTIALS_GRANT, JWT_BEARER_ASSERTION_TYPE, clientCredentialsScopeProblem } from '../azure/index.ts';
import { verifySignature, type KeySource } from '../jwks/index.ts';
import type { Sealer } from '../secrets/index.ts';
import { evaluateAssertion } from './assertion.ts';
import { EntraError } from './errors.ts';
import type { EntraRegistry } from './registry.ts';

export interface ClientAssertionRequest {
  tenant: string;
  clientId: string;
  scope: string;
  assertion: string;
}

export interface EntraTokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

export interface TokenEndpointDeps {
  registry: EntraRegistry;
  keys: KeySource;
  sealer: Sealer;
  clock: Clock;
  events: EventSink;
}

function required(params: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new EntraError('missingParameter', `The request body must contain the following parameter: '${name}'.`);
  return value;
}

export function parseClientAssertionRequest(tenant: string, params: Readonly<Record<string, string | undefined>>): ClientAssertionRequest {
  const grantType = required(params, 'grant_type');
  if (grantType !== CLIENT_CREDENTIALS_GRANT) throw new EntraError('unsupportedGrant', `The app requested an unsupported grant type '${grantType}'.`);
  const clientId = required(params, 'client_id');
  const scope = required(params, 'scope');
  const scopeProblem = clientCredentialsScopeProblem(scope);
  if (scopeProblem !== undefined) throw new EntraError('invalidScope', scopeProblem);
  const assertionType = required(params, 'client_assertion_type');
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE) throw new EntraError('malformedToken', `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}, not ${assertionType}.`);
  return { tenant, clientId, scope, assertion: required(params, 'client_assertion') };
}

export function assertionSignatureVerifier(keys: KeySource): (token: string, issuer: string) => Promise<void> {
  return async (token, issuer) => {
    const provider = { url: issuer.replace(/\/+$/, ''), thumbprints: [] };
    let keySet;
    try {
      keySet = await keys.get(provider);
    } catch (error) {
      throw new EntraError('issuerUnreachable', `Request to External OIDC endpoint failed: the keys of ${issuer} could not be retrieved.`, { detail: (error as Error).message });
    }
    try {
      await verifySignature(token, keySet.resolve, ASSERTION_ALGORITHMS);
    } catch (first) {
      const fresh = await keys.refresh(provider).catch(() => undefined);
      const invalid = (cause: unknown): EntraError => new EntraError('invalidSignature', 'Client assertion contains an invalid signature. [Reason - The key was not found.]', { detail: (cause as Error).message });
      if (fresh === undefined) throw invalid(first);
      await verifySignature(token, fresh.resolve, ASSERTION_ALGORITHMS).catch((second: unknown) => {
        throw invalid(second);
      });
    }
  };
}

export async function issueToken(deps: TokenEndpointDeps, tenant: string, params: Readonly<Record<string, string | undefined>>): Promise<EntraTokenResponse> {
  const request = parseClientAssertionRequest(tenant, params);
  const all = await deps.registry.credentialsOf(request.clientId);
  const credentials = all.filter((credential) => credential.tenantId.toLowerCase() === tenant.toLowerCase());
  if (credentials.length === 0) {
    throw new EntraError('applicationNotFound', `Application with identifier '${request.clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  }
  const nowSeconds = Math.floor(deps.clock.now() / 1000);
  const evaluation = await evaluateAssertion({ credentials, token: request.assertion, nowSeconds, verifySignature: assertionSignatureVerifier(deps.keys), stopAtFirstFailure: true });
  if (evaluation.refusal !== undefined || evaluation.credential === undefined) throw evaluation.refusal ?? new EntraError('noMatchingRecord', 'No matching federated identity record found for presented assertion.');
  const credential = evaluation.credential;
  const expiresAt = nowSeconds + ACCESS_TOKEN_LIFETIME_SECONDS;
  const resource = request.scope.replace(/\/\.default$/, '');
  const accessToken = deps.sealer.seal(JSON.stringify({ tid: credential.tenantId, appid: credential.clientId, aud: resource, exp: expiresAt }), 'entra access token');
  const jti = evaluation.claims?.['jti'];
  // The token leaves only once this row is committed.
  await deps.events.commit({
    type: 'azure.token_issued',
    actor: String(evaluation.claims?.['sub'] ?? ''),
    occurredAt: deps.clock.now(),
    subject: String(evaluation.claims?.['sub'] ?? ''),
    audience: resource,
    jti: typeof jti === 'string' ? jti : undefined,
    expiresAt: expiresAt * 1000,
    details: { tenant: credential.tenantId, clientId: credential.clientId, credential: credential.name },
  });
  return { token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, access_token: Buffer.from(accessToken).toString('base64url') };
}
