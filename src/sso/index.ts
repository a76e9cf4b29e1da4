/**
 * Single sign-on through the company IdP: Roleport as an OpenID Connect relying party
 * (openid-client v6). Authorization code flow with PKCE (S256), `state` and `nonce` bound to
 * the browser by a sealed short-lived cookie; ID tokens validated by openid-client; refresh
 * tokens sealed at rest and refreshed under a per-user database lock, so rotation never
 * spends one refresh token twice, across any number of broker replicas.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://www.rfc-editor.org/rfc/rfc7636 (PKCE)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14 (refresh token rotation)
 * @see https://github.com/panva/openid-client
 */
import { createSsoService, type Sso, type SsoDeps } from './sso.ts';

export { IdpResponseError, toSsoError, type IdpStep } from './idp-errors.ts';
export { LOGIN_TRANSACTION_TTL_SECONDS, safeReturnTo, type LoginTransaction } from './login-transaction.ts';
export type { BrowserSession, BrowserSessions } from './browser-sessions.ts';
export type { IdTokenResult, WithUserTokensLocked } from './token-keeper.ts';
export type { AuthorizationChecks, IdpTokens, RelyingPartyConfig } from './relying-party.ts';
export type { CompleteSignInInput, SignInResult, SignInStart, Sso, SsoConfig, SsoDeps, SsoUserDirectory } from './sso.ts';

/**
 * Creates the SSO service. With `config.enabled` false it still serves browser sessions
 * and refuses sign-ins with ERR_SSO_DISABLED. Nothing talks to the IdP until the first
 * sign-in (discovery is fetched then and cached).
 *
 * @example
 * const sso = await createSso({ config: config.sso, mode: config.mode, brokerUrl: config.issuer, sealer, clock, logger,
 *   events: audit, users, tokens: repositories.userSsoTokens, withUserTokensLocked, browserSessions: repositories.browserSessions,
 *   settings: repositories.settings });
 * const { authorizationUrl, transactionCookie } = await sso.beginSignIn({ returnTo: '/' });
 */
export function createSso(deps: SsoDeps): Promise<Sso> {
  return createSsoService(deps);
}
