import { randomBytes } from 'node:crypto';
import { RoleportError, constantTimeEqual, type Clock, type EventSink, type Logger } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { BrowserSessionRepository, SettingRepository, UserSsoTokenRepository } from '../store/index.ts';
import { createBrowserSessions, type BrowserSession, type BrowserSessions } from './browser-sessions.ts';
import { IdpResponseError } from './idp-errors.ts';
import { LOGIN_TRANSACTION_TTL_SECONDS, openLoginTransaction, safeReturnTo, sealLoginTransaction } from './login-transaction.ts';
import { createRelyingParty, type RelyingParty, type RelyingPartyConfig } from './relying-party.ts';
import { createTokenKeeper, type IdTokenResult, type WithUserTokensLocked } from './token-keeper.ts';

/** Config `sso`, as the schema resolves it. */
export interface SsoConfig extends Partial<RelyingPartyConfig> {
  enabled: boolean;
  scopes: string;
  timeoutSeconds: number;
  tokenEndpointAuthMethod: RelyingPartyConfig['tokenEndpointAuthMethod'];
  redirectPath: string;
  sessionTtlSeconds: number;
}

/**
 * How SSO records a signed-in user: the users module, given by the composition root. The
 * claims are the validated ID token's.
 */
export interface SsoUserDirectory {
  recordSignIn(input: { issuer: string; claims: Readonly<Record<string, unknown>>; kind: 'sign-in' | 'refresh' }): Promise<{ id: string; username: string }>;
}

export interface SsoDeps {
  config: SsoConfig;
  mode: 'development' | 'production';
  /** The broker's own issuer URL; the redirect URI is `<brokerUrl><redirectPath>`. */
  brokerUrl: string;
  sealer: Sealer;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  users: SsoUserDirectory;
  tokens: UserSsoTokenRepository;
  withUserTokensLocked: WithUserTokensLocked;
  browserSessions: BrowserSessionRepository;
  settings: SettingRepository;
}

/** Where to send the browser, and the sealed login transaction for its cookie. */
export interface SignInStart {
  authorizationUrl: string;
  transactionCookie: string;
  transactionMaxAgeSeconds: number;
}

export interface CompleteSignInInput {
  /** The callback's query parameters. */
  query: URLSearchParams;
  /** The login transaction cookie, if the browser sent one. */
  transactionCookie: string | undefined;
}

export interface SignInResult {
  userId: string;
  username: string;
  session: BrowserSession;
  returnTo: string;
}

/** Single sign-on: the web routes and session token sources use this. */
export interface Sso {
  readonly enabled: boolean;
  /** The IdP's issuer, when SSO is configured. */
  readonly idpIssuer: string | undefined;
  readonly redirectUri: string;
  readonly redirectPath: string;
  /** Whether cookies must be `Secure` (the broker is served over https). */
  readonly secureCookies: boolean;
  /** Signs the browser-session cookie; the same on every replica (stored sealed in the database). */
  readonly cookieSecret: string;
  /** Lifetime of a browser sign-in (config `sso.sessionTtlSeconds`). */
  readonly sessionTtlSeconds: number;
  beginSignIn(options?: { returnTo?: string | undefined }): Promise<SignInStart>;
  /**
   * Finishes a sign-in: checks the transaction cookie and `state`, shows the IdP's error if
   * it sent one, exchanges the code (ID token validated, nonce and PKCE checked), records
   * the user and their roles, keeps the tokens, and starts a browser session. Any failure
   * throws before a user is created or changed.
   */
  completeSignIn(input: CompleteSignInInput): Promise<SignInResult>;
  sessions: BrowserSessions;
  /** Ends a browser session and audits it. */
  signOut(sessionId: string, username: string): Promise<void>;
  refresh(userId: string): Promise<IdTokenResult>;
  idTokenFor(userId: string, options?: { minValiditySeconds?: number }): Promise<IdTokenResult>;
}

const COOKIE_SECRET_SETTING = 'web_cookie_secret';
const DEFAULT_MIN_VALIDITY_SECONDS = 300;

export async function createSsoService(deps: SsoDeps): Promise<Sso> {
  const { config, sealer, clock, events, logger } = deps;
  const redirectUri = `${deps.brokerUrl.replace(/\/$/, '')}${config.redirectPath}`;
  const relyingParty = config.enabled ? createConfiguredRelyingParty(deps, redirectUri) : undefined;
  const cookieSecret = await loadCookieSecret(deps);
  const sessions = createBrowserSessions({ repository: deps.browserSessions, clock, ttlSeconds: config.sessionTtlSeconds, secret: cookieSecret });

  const requireRelyingParty = (): RelyingParty => {
    if (relyingParty === undefined) throw new RoleportError('ERR_SSO_DISABLED', 'single sign-on is not configured on this broker (set sso.enabled, sso.issuer and sso.clientId)');
    return relyingParty;
  };

  const keeper = relyingParty === undefined
    ? undefined
    : createTokenKeeper({
        relyingParty,
        tokens: deps.tokens,
        withUserTokensLocked: deps.withUserTokensLocked,
        sealer,
        clock,
        events,
        logger,
        onRefreshedClaims: async (_userId, claims) => {
          await deps.users.recordSignIn({ issuer: relyingParty.issuer, claims, kind: 'refresh' });
        },
      });

  const completeSignIn = async (input: CompleteSignInInput): Promise<SignInResult> => {
    const rp = requireRelyingParty();
    try {
      const transaction = openLoginTransaction(sealer, clock, input.transactionCookie);
      checkAuthorizationResponse(input.query, transaction.state);
      const tokens = await rp.exchangeCode(input.query, transaction);
      if (tokens.claims === undefined) throw new RoleportError('ERR_SSO_ID_TOKEN', 'the identity provider returned no ID token');
      const user = await deps.users.recordSignIn({ issuer: rp.issuer, claims: tokens.claims, kind: 'sign-in' });
      await requireKeeper(keeper).store(user.id, tokens);
      const session = await sessions.start(user.id);
      return { userId: user.id, username: user.username, session, returnTo: transaction.returnTo };
    } catch (error) {
      const failure = error instanceof RoleportError ? error : new RoleportError('ERR_INTERNAL', 'sign-in failed', { cause: error });
      events.record({ type: 'sso.sign_in_failed', actor: 'anonymous', occurredAt: clock.now(), details: { code: failure.code, message: failure.message } });
      // Only the code and the messages: openid-client's error objects can hold response bodies, i.e. tokens.
      logger.warn({ code: failure.code, detail: failure.detail }, `sign-in failed: ${failure.message}`);
      throw failure;
    }
  };

  return {
    enabled: relyingParty !== undefined,
    idpIssuer: relyingParty?.issuer,
    redirectUri,
    redirectPath: config.redirectPath,
    secureCookies: deps.brokerUrl.startsWith('https://'),
    cookieSecret,
    sessionTtlSeconds: config.sessionTtlSeconds,
    async beginSignIn(options = {}) {
      const { url, checks } = await requireRelyingParty().startAuthorization();
      const transactionCookie = sealLoginTransaction(sealer, {
        ...checks,
        returnTo: safeReturnTo(options.returnTo),
        expiresAt: clock.now() + LOGIN_TRANSACTION_TTL_SECONDS * 1000,
      });
      return { authorizationUrl: url.href, transactionCookie, transactionMaxAgeSeconds: LOGIN_TRANSACTION_TTL_SECONDS };
    },
    completeSignIn,
    sessions,
    async signOut(sessionId, username) {
      if (await sessions.end(sessionId)) events.record({ type: 'user.signed_out', actor: username, occurredAt: clock.now(), userName: username });
    },
    refresh: (userId) => requireKeeper(keeper).refresh(userId),
    idTokenFor: (userId, options = {}) => requireKeeper(keeper).idTokenFor(userId, options.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS),
  };
}

/**
 * The authorization response, checked before anything is sent to the IdP: the IdP's own
 * error first (so a refusal is shown as such), then `state` against the transaction.
 */
function checkAuthorizationResponse(query: URLSearchParams, expectedState: string): void {
  const state = query.get('state') ?? '';
  const error = query.get('error');
  if (error !== null) {
    // An error response still carries our state; without it the error may be forged, but showing it is harmless.
    const description = query.get('error_description') ?? undefined;
    throw new IdpResponseError(error, description, `the identity provider refused the sign-in (${error})`);
  }
  if (!constantTimeEqual(state, expectedState)) {
    throw new RoleportError('ERR_SSO_STATE', 'the sign-in response does not belong to the sign-in started in this browser (state mismatch); start again');
  }
  if ((query.get('code') ?? '') === '') throw new RoleportError('ERR_SSO_STATE', 'the sign-in response carries no code; start again');
}

function createConfiguredRelyingParty(deps: SsoDeps, redirectUri: string): RelyingParty {
  const { config } = deps;
  if (config.issuer === undefined || config.clientId === undefined) {
    throw new RoleportError('ERR_CONFIG_INVALID', 'sso.issuer and sso.clientId: required when sso.enabled is true');
  }
  // Production mode refuses an http:// IdP when the configuration loads (config/production.ts).
  const httpIssuer = config.issuer.startsWith('http://');
  if (httpIssuer) deps.logger.warn({ issuer: config.issuer }, 'single sign-on talks to the identity provider over plain http (development only)');
  return createRelyingParty({
    config: { ...config, issuer: config.issuer, clientId: config.clientId },
    redirectUri,
    allowHttp: deps.mode !== 'production',
  });
}

function requireKeeper<T>(keeper: T | undefined): T {
  if (keeper === undefined) throw new RoleportError('ERR_SSO_DISABLED', 'single sign-on is not configured on this broker');
  return keeper;
}

/** One random secret for every replica: generated once, stored sealed in the settings table. */
async function loadCookieSecret(deps: SsoDeps): Promise<string> {
  const aad = `settings:${COOKIE_SECRET_SETTING}`;
  const stored = await deps.settings.setIfAbsent(COOKIE_SECRET_SETTING, deps.sealer.seal(randomBytes(32).toString('base64url'), aad), deps.clock.now());
  return deps.sealer.openText(stored, aad);
}
