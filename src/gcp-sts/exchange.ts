/**
 * `POST /v1/token`: Google's STS token exchange for an OIDC subject token, offline. Named
 * steps: parse the request, find the provider named by `audience`, evaluate the subject
 * token (subject-token.ts), issue a federated access token.
 * @see https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
 */
import type { Clock, EventSink } from '../core/index.ts';
import {
  ACCESS_TOKEN_TYPE,
  CLOUD_PLATFORM_SCOPE,
  FEDERATED_TOKEN_LIFETIME_SECONDS,
  OIDC_ALGORITHMS,
  OIDC_SUBJECT_TOKEN_TYPES,
  TOKEN_EXCHANGE_GRANT,
  parseProviderName,
} from '../gcp/index.ts';
import { verifySignature, type KeySource } from '../jwks/index.ts';
import type { Sealer } from '../secrets/index.ts';
import { sealAccessToken } from './access-tokens.ts';
import type { CelEvaluator } from './cel.ts';
import { GOOGLE_MESSAGES, GoogleOAuthError } from './errors.ts';
import type { GcpProvider, GcpRegistry } from './registry.ts';
import { evaluateSubjectToken } from './subject-token.ts';

export interface TokenExchangeRequest {
  audience: string;
  subjectToken: string;
  scopes: string[];
}

export interface TokenExchangeResponse {
  access_token: string;
  issued_token_type: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface ExchangeDeps {
  registry: GcpRegistry;
  keys: KeySource;
  sealer: Sealer;
  cel: CelEvaluator;
  clock: Clock;
  events: EventSink;
}

function invalidRequest(description: string): GoogleOAuthError {
  return new GoogleOAuthError('invalid_request', description);
}

/** RFC 8693 parameters as Google's STS checks them. Throws a GoogleOAuthError. */
export function parseTokenExchangeRequest(params: Readonly<Record<string, string | undefined>>): TokenExchangeRequest {
  const grantType = params['grant_type'];
  if (grantType === undefined || grantType === '') throw invalidRequest('Missing required parameter: grant_type.');
  if (grantType !== TOKEN_EXCHANGE_GRANT) throw new GoogleOAuthError('unsupported_grant_type', `Unsupported grant type: ${grantType}. Supported: ${TOKEN_EXCHANGE_GRANT}.`);
  const requested = params['requested_token_type'];
  if (requested !== ACCESS_TOKEN_TYPE) throw invalidRequest(`Invalid value for "requested_token_type": ${requested ?? '(missing)'}. Expected ${ACCESS_TOKEN_TYPE}.`);
  const subjectTokenType = params['subject_token_type'];
  if (subjectTokenType === undefined || !(OIDC_SUBJECT_TOKEN_TYPES as readonly string[]).includes(subjectTokenType)) {
    throw invalidRequest(`Invalid value for "subject_token_type": ${subjectTokenType ?? '(missing)'}. An OIDC provider takes ${OIDC_SUBJECT_TOKEN_TYPES.join(' or ')}.`);
  }
  const subjectToken = params['subject_token'];
  if (subjectToken === undefined || subjectToken === '') throw invalidRequest('Missing required parameter: subject_token.');
  const audience = params['audience'];
  if (audience === undefined || audience === '' || !audience.startsWith('//iam.googleapis.com/') || parseProviderName(audience) === undefined) throw invalidRequest(GOOGLE_MESSAGES.audienceInvalid);
  const scopes = (params['scope'] ?? CLOUD_PLATFORM_SCOPE).split(' ').filter((scope) => scope.length > 0);
  return { audience, subjectToken, scopes: scopes.length > 0 ? scopes : [CLOUD_PLATFORM_SCOPE] };
}

/** Verifies a subject token's signature with the provider issuer's JWKS (discovery, then keys). */
export function signatureVerifier(keys: KeySource, provider: GcpProvider): (token: string) => Promise<void> {
  return async (token) => {
    let keySet;
    try {
      keySet = await keys.get({ url: provider.issuerUri, thumbprints: [] });
    } catch (error) {
      throw new GoogleOAuthError('invalid_grant', `Unable to retrieve the OIDC provider's public keys from ${provider.issuerUri}.`, { detail: (error as Error).message });
    }
    try {
      await verifySignature(token, keySet.resolve, OIDC_ALGORITHMS);
    } catch (first) {
      // The issuer may have rotated: fetch its keys once more (rate-limited), then give up.
      const fresh = await keys.refresh({ url: provider.issuerUri, thumbprints: [] }).catch(() => undefined);
      if (fresh === undefined) throw new GoogleOAuthError('invalid_grant', 'Invalid ID Token signature: no key of the OIDC provider verifies it.', { detail: (first as Error).message });
      await verifySignature(token, fresh.resolve, OIDC_ALGORITHMS).catch((second: unknown) => {
        throw new GoogleOAuthError('invalid_grant', 'Invalid ID Token signature: no key of the OIDC provider verifies it.', { detail: (second as Error).message });
      });
    }
  };
}

export async function exchangeToken(deps: ExchangeDeps, params: Readonly<Record<string, string | undefined>>): Promise<TokenExchangeResponse> {
  const request = parseTokenExchangeRequest(params);
  const provider = await deps.registry.findProvider(request.audience);
  if (provider === undefined) throw new GoogleOAuthError('invalid_target', GOOGLE_MESSAGES.targetInvalid);
  const nowSeconds = Math.floor(deps.clock.now() / 1000);
  const evaluation = await evaluateSubjectToken({
    provider,
    token: request.subjectToken,
    nowSeconds,
    cel: deps.cel,
    verifySignature: signatureVerifier(deps.keys, provider),
    stopAtFirstFailure: true,
  });
  if (evaluation.refusal !== undefined || evaluation.identity === undefined) throw evaluation.refusal ?? new GoogleOAuthError('invalid_grant', 'The subject token was refused.');
  const identity = evaluation.identity;
  const expiresAt = nowSeconds + FEDERATED_TOKEN_LIFETIME_SECONDS;
  const accessToken = sealAccessToken(deps.sealer, {
    kind: 'federated',
    provider: provider.name.name,
    poolName: provider.name.poolName,
    subject: identity.subject,
    groups: identity.groups,
    attributes: identity.attributes,
    scopes: request.scopes,
    expiresAt,
  });
  const jti = evaluation.claims?.['jti'];
  // The token leaves only once this row is committed.
  await deps.events.commit({
    type: 'gcp.token_exchanged',
    actor: identity.subject,
    occurredAt: deps.clock.now(),
    subject: String(evaluation.claims?.['sub'] ?? ''),
    audience: request.audience,
    jti: typeof jti === 'string' ? jti : undefined,
    expiresAt: expiresAt * 1000,
    details: { provider: provider.name.name, attributes: identity.attributes },
  });
  return { access_token: accessToken, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: FEDERATED_TOKEN_LIFETIME_SECONDS };
}
