import { decodeJwt } from 'jose';
import * as oauth from 'openid-client';
import { RoleportError, constantTimeEqual, type Clock } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { Integration, ViewerOAuthSettings } from './types.ts';

/**
 * A Viewer integration's OAuth client at the viewer's IdP: the authorization code flow
 * (PKCE S256 unless the integration turns it off, `state` and `nonce`) and the refresh grant.
 * The integration names its endpoints directly (no discovery), as the publishing server's
 * integrations do. The ID token comes straight from the token endpoint over the connection
 * the broker opened (OIDC Core §3.1.3.7 (6)), and STS verifies its signature when it is used;
 * here its `aud`, `nonce` and `exp` are checked.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */

/** What the broker remembers between sending the viewer to the IdP and their return (sealed into a cookie). */
export interface AuthorizationTransaction {
  integrationGuid: string;
  userName: string;
  state: string;
  nonce: string;
  codeVerifier: string | undefined;
  returnTo: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The IdP's answer to a code exchange or refresh, the ID token's claims checked. */
export interface ViewerTokens {
  idToken: string;
  /** The ID token's `exp`, epoch milliseconds. */
  idTokenExpiresAt: number;
  refreshToken: string | undefined;
  issuer: string | undefined;
  subject: string | undefined;
}

export interface ViewerOAuthDeps {
  sealer: Sealer;
  clock: Clock;
  /** `<broker>/__oauth__/integrations/callback`, registered at the IdP. */
  redirectUri: string;
  timeoutMs: number;
  /** The integration's client secret, when it has one. */
  clientSecret: (guid: string) => Promise<string | undefined>;
}

export const AUTHORIZATION_TTL_SECONDS = 600;
const TRANSACTION_AAD = 'integration_authorization';
// A token response bigger than this is not one.
const MAX_RESPONSE_BYTES = 256 * 1024;

export function createViewerOAuth(deps: ViewerOAuthDeps) {
  const { sealer, clock } = deps;

  const tokenRequest = async (integration: Integration, settings: ViewerOAuthSettings, params: URLSearchParams, step: 'code' | 'refresh', secret: string | undefined): Promise<Record<string, unknown>> => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (settings.tokenEndpointAuthMethod !== 'none' && secret === undefined) {
      throw new RoleportError('ERR_TOKEN_SOURCE_UNAVAILABLE', `integration ${integration.guid} has no client secret; an admin must set config.client_secret`);
    }
    if (settings.tokenEndpointAuthMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding.
      headers['authorization'] = `Basic ${Buffer.from(`${formEncode(settings.clientId)}:${formEncode(secret!)}`).toString('base64')}`;
    } else {
      params.set('client_id', settings.clientId);
      if (settings.tokenEndpointAuthMethod === 'client_secret_post') params.set('client_secret', secret!);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(settings.tokenUri, { method: 'POST', headers, body: params.toString(), redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs) });
      text = await response.text();
    } catch (cause) {
      throw unreachable(step, `the token endpoint of integration ${integration.name} is unreachable (${(cause as Error).name})`, cause);
    }
    if (text.length > MAX_RESPONSE_BYTES) throw unreachable(step, 'the token endpoint sent an oversized response');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw unreachable(step, `the token endpoint answered HTTP ${response.status} without JSON`);
    }
    const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    if (!response.ok) {
      const error = typeof fields['error'] === 'string' ? fields['error'] : `HTTP ${response.status}`;
      const description = typeof fields['error_description'] === 'string' ? `: ${fields['error_description'].slice(0, 300)}` : '';
      if (response.status >= 500) throw unreachable(step, `the token endpoint failed (${error})`);
      if (step === 'refresh') {
        throw new RoleportError('ERR_GRANT_INVALID', `the identity provider no longer accepts the viewer's authorization of integration ${integration.name} (${error}${description}); visit the content again to re-authorize`);
      }
      throw new RoleportError('ERR_SSO_IDP', `the identity provider refused the authorization code (${error}${description})`);
    }
    return fields;
  };

  const readTokens = (integration: Integration, settings: ViewerOAuthSettings, fields: Record<string, unknown>, expectedNonce: string | undefined, step: 'code' | 'refresh'): ViewerTokens => {
    const idToken = fields['id_token'];
    if (typeof idToken !== 'string' || idToken.length === 0) {
      throw step === 'code'
        ? new RoleportError('ERR_SSO_ID_TOKEN', `the identity provider returned no ID token for integration ${integration.name} (is openid among its scopes?)`)
        : new RoleportError('ERR_TOKEN_SOURCE_UNAVAILABLE', `the identity provider returned no ID token when refreshing integration ${integration.name}`);
    }
    let claims;
    try {
      claims = decodeJwt(idToken);
    } catch (cause) {
      throw new RoleportError('ERR_SSO_ID_TOKEN', 'the identity provider returned an ID token that is not a JWT', { cause });
    }
    const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
    if (!audiences.includes(settings.clientId)) throw new RoleportError('ERR_SSO_ID_TOKEN', `the ID token is not for client ${settings.clientId}`);
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= clock.now()) throw new RoleportError('ERR_SSO_ID_TOKEN', 'the identity provider returned an expired ID token');
    if (expectedNonce !== undefined && (typeof claims['nonce'] !== 'string' || !constantTimeEqual(claims['nonce'], expectedNonce))) {
      throw new RoleportError('ERR_SSO_ID_TOKEN', 'the ID token\'s nonce does not match this authorization; start again');
    }
    const refreshToken = typeof fields['refresh_token'] === 'string' && fields['refresh_token'].length > 0 ? fields['refresh_token'] : undefined;
    return { idToken, idTokenExpiresAt: claims.exp * 1000, refreshToken, issuer: claims.iss, subject: claims.sub };
  };

  const secretFor = (integration: Integration, settings: ViewerOAuthSettings): Promise<string | undefined> =>
    settings.tokenEndpointAuthMethod === 'none' ? Promise.resolve(undefined) : deps.clientSecret(integration.guid);

  return {
    /** Where to send the viewer, and the sealed transaction for the callback's cookie. */
    async beginAuthorization(integration: Integration, options: { userName: string; returnTo: string }): Promise<{ url: string; transactionCookie: string }> {
      const settings = viewerSettings(integration);
      const transaction: AuthorizationTransaction = {
        integrationGuid: integration.guid,
        userName: options.userName,
        state: oauth.randomState(),
        nonce: oauth.randomNonce(),
        codeVerifier: settings.usePkce ? oauth.randomPKCECodeVerifier() : undefined,
        returnTo: options.returnTo,
        expiresAt: clock.now() + AUTHORIZATION_TTL_SECONDS * 1000,
      };
      const url = new URL(settings.authorizationUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', settings.clientId);
      url.searchParams.set('redirect_uri', deps.redirectUri);
      url.searchParams.set('scope', settings.scopes);
      url.searchParams.set('state', transaction.state);
      url.searchParams.set('nonce', transaction.nonce);
      if (transaction.codeVerifier !== undefined) {
        url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(transaction.codeVerifier));
        url.searchParams.set('code_challenge_method', 'S256');
      }
      if (integration.config.audience !== undefined) url.searchParams.set('audience', integration.config.audience);
      return { url: url.href, transactionCookie: sealer.seal(JSON.stringify(transaction), TRANSACTION_AAD) };
    },

    /** Opens the callback's transaction cookie; refuses a missing, tampered or expired one. */
    openTransaction(cookie: string | undefined): AuthorizationTransaction {
      if (cookie === undefined || cookie.length === 0) throw new RoleportError('ERR_SSO_STATE', 'this authorization was not started in this browser (no transaction cookie); open the content again');
      let transaction: AuthorizationTransaction;
      try {
        transaction = JSON.parse(sealer.openText(cookie, TRANSACTION_AAD)) as AuthorizationTransaction;
      } catch (cause) {
        throw new RoleportError('ERR_SSO_STATE', 'the authorization could not be verified; open the content again', { cause });
      }
      if (transaction.expiresAt <= clock.now()) throw new RoleportError('ERR_SSO_STATE', 'the authorization took too long; open the content again');
      return transaction;
    },

    /**
     * Checks the callback against the transaction (the IdP's own error first, then `state`) and
     * exchanges the code, with the PKCE verifier when the transaction has one.
     */
    async completeAuthorization(integration: Integration, transaction: AuthorizationTransaction, query: URLSearchParams): Promise<ViewerTokens> {
      const settings = viewerSettings(integration);
      const error = query.get('error');
      if (error !== null) {
        const description = query.get('error_description');
        throw new RoleportError('ERR_SSO_IDP', `the identity provider refused the authorization (${error.slice(0, 100)}${description === null ? '' : `: ${description.slice(0, 300)}`})`);
      }
      if (!constantTimeEqual(query.get('state') ?? '', transaction.state)) throw new RoleportError('ERR_SSO_STATE', 'the authorization response does not belong to the authorization started in this browser (state mismatch)');
      const code = query.get('code') ?? '';
      if (code === '') throw new RoleportError('ERR_SSO_STATE', 'the authorization response carries no code');
      const params = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: deps.redirectUri });
      if (transaction.codeVerifier !== undefined) params.set('code_verifier', transaction.codeVerifier);
      const fields = await tokenRequest(integration, settings, params, 'code', await secretFor(integration, settings));
      return readTokens(integration, settings, fields, transaction.nonce, 'code');
    },

    /**
     * A refresher for one integration, its client secret read now: the refresh itself runs
     * inside the grant's database transaction, where no other query may wait for the database.
     */
    async refresher(integration: Integration): Promise<(refreshToken: string) => Promise<ViewerTokens>> {
      const settings = viewerSettings(integration);
      const secret = await secretFor(integration, settings);
      return async (refreshToken) => {
        const fields = await tokenRequest(integration, settings, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }), 'refresh', secret);
        return readTokens(integration, settings, fields, undefined, 'refresh');
      };
    },
  };
}

export type ViewerOAuth = ReturnType<typeof createViewerOAuth>;

export function viewerSettings(integration: Integration): ViewerOAuthSettings {
  if (integration.config.oauth === undefined) throw new RoleportError('ERR_INPUT_INVALID', `integration ${integration.name} is not a Viewer integration`);
  return integration.config.oauth;
}

function unreachable(step: 'code' | 'refresh', message: string, cause?: unknown): RoleportError {
  return new RoleportError(step === 'code' ? 'ERR_SSO_UNREACHABLE' : 'ERR_TOKEN_SOURCE_UNAVAILABLE', message, { cause });
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
