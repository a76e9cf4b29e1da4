import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { createMemoryAdapter } from './memory-adapter.ts';
import { loadProviderClass, type OidcAccount, type OidcClient, type OidcContext, type OidcGrant, type OidcProvider } from './oidc-provider-shapes.ts';
import { htmlEscape, page } from './pages.ts';
import type { IdpClient, IdpTtl, IdpUser } from './types.ts';

/** Role claims every IdP built here knows, whether or not a user has them. */
const AWS_CLAIM_NAMES = ['aws_role_arn', 'aws_role_session_name'];
const STANDARD_CLAIM_NAMES = ['sub', 'preferred_username', 'email', 'email_verified', 'name', 'groups'];

const DAY = 24 * 60 * 60;

export interface ProviderOptions {
  clients: readonly IdpClient[];
  ttl?: IdpTtl | undefined;
  /** Names of claims users may get later; the claims of the initial users are always included. */
  extraClaimNames?: readonly string[] | undefined;
}

/**
 * An `oidc-provider` configured like a company IdP: code flow with PKCE (S256, per client),
 * refresh tokens for `offline_access` with rotation, the users' claims (role claims included)
 * in the ID token, automatic consent, RP-initiated logout, and plain HTML error pages.
 */
export async function createProvider(issuer: string, options: ProviderOptions, users: Map<string, IdpUser>): Promise<OidcProvider> {
  const Provider = await loadProviderClass();
  const clientsSkippingPkce = new Set(options.clients.filter((c) => c.requirePkce === false).map((c) => c.client_id));
  const customClaimNames = [
    ...new Set([
      ...AWS_CLAIM_NAMES,
      ...(options.extraClaimNames ?? []),
      ...[...users.values()].flatMap((user) => Object.keys(user.claims)),
    ]),
  ].filter((name) => !STANDARD_CLAIM_NAMES.includes(name));
  const ttl = options.ttl ?? {};
  const refreshTokenTtl = ttl.refreshToken ?? 14 * DAY;
  const sessionTtl = ttl.session ?? 14 * DAY;

  const configuration: Record<string, unknown> = {
    adapter: createMemoryAdapter(),
    clients: options.clients.map(toClientMetadata),
    jwks: { keys: [await generateSigningKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    // Everything is in the `openid` scope so that an RP asking for just `openid` sees the
    // role claims, the way Okta and Entra add configured claims regardless of scope.
    claims: {
      openid: [...STANDARD_CLAIM_NAMES, ...customClaimNames],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // Put scope-granted claims in the ID token, not only at the userinfo endpoint.
    conformIdTokenClaims: false,
    pkce: { required: (_ctx: OidcContext, client: OidcClient) => !clientsSkippingPkce.has(client.clientId) },
    // Issue one whenever offline_access is granted; `keepOfflineAccess` makes sure it can be.
    issueRefreshToken: async (_ctx: OidcContext, client: OidcClient, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: true,
    findAccount: async (_ctx: OidcContext, sub: string): Promise<OidcAccount | undefined> => {
      const user = [...users.values()].find((candidate) => subjectOf(candidate) === sub);
      return user ? { accountId: sub, claims: async () => claimsOf(user) } : undefined;
    },
    loadExistingGrant: grantEverythingRequested,
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: OidcContext, client: OidcClient, token: { clientId: string }) =>
          token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: OidcContext, form: string) => {
          ctx.body = page(
            'Sign out',
            `<h1>Sign out of the demo IdP?</h1>${form}<p class="actions"><button id="logout-yes" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button> ` +
              '<button id="logout-no" type="submit" form="op.logoutForm" class="secondary">Stay signed in</button></p>',
          );
        },
        postLogoutSuccessSource: async (ctx: OidcContext) => {
          ctx.body = page('Signed out', '<h1>Signed out</h1><p id="signed-out">You are signed out.</p>');
        },
      },
    },
    clientBasedCORS: () => true,
    renderError: async (ctx: OidcContext, out: Record<string, unknown>) => {
      ctx.type = 'html';
      ctx.body = page(
        'Error',
        '<h1>The sign-in could not go on</h1>' +
          Object.entries(out)
          .map(([key, value]) => `<p class="error-${htmlEscape(key)}">${htmlEscape(key)}: ${htmlEscape(String(value))}</p>`)
          .join(''),
      );
    },
    ttl: {
      AccessToken: ttl.accessToken ?? 3600,
      AuthorizationCode: ttl.authorizationCode ?? 60,
      IdToken: ttl.idToken ?? 3600,
      RefreshToken: refreshTokenTtl,
      Interaction: 3600,
      Session: sessionTtl,
      Grant: Math.max(refreshTokenTtl, sessionTtl),
    },
  };
  return new Provider(issuer, configuration);
}

/**
 * oidc-provider drops `offline_access` from an authorization request unless `prompt`
 * includes `consent` (OIDC Core 11), while Okta and Entra grant it without. Adding
 * `consent` here keeps the scope; the consent prompt is then answered automatically.
 * `prompt=none` is left alone: it cannot be combined with other values.
 */
export function keepOfflineAccess(query: URLSearchParams): boolean {
  const scopes = (query.get('scope') ?? '').split(' ');
  const prompts = (query.get('prompt') ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('offline_access') || prompts.includes('consent') || prompts.includes('none')) return false;
  query.set('prompt', [...prompts, 'consent'].join(' '));
  return true;
}

function toClientMetadata(client: IdpClient): Record<string, unknown> {
  const { requirePkce: _requirePkce, ...metadata } = client;
  const authMethod =
    client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : client.jwks ? 'private_key_jwt' : 'none');
  return {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...metadata,
    token_endpoint_auth_method: authMethod,
  };
}

/**
 * Consent is automatic: the grant always covers what the client asked for, so the consent
 * prompt never shows (except where oidc-provider insists, handled in `handleInteraction`).
 */
async function grantEverythingRequested(ctx: OidcContext): Promise<OidcGrant | undefined> {
  const { oidc } = ctx;
  if (!oidc.account) return undefined;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
  const grant =
    (grantId ? await oidc.provider.Grant.find(grantId) : undefined) ??
    new oidc.provider.Grant({ accountId: oidc.account.accountId, clientId: oidc.client.clientId });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  if (oidc.requestParamClaims.size > 0) grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

export function subjectOf(user: IdpUser): string {
  return user.sub ?? user.username;
}

function claimsOf(user: IdpUser): Record<string, unknown> {
  return {
    ...user.claims,
    sub: subjectOf(user),
    preferred_username: user.username,
    email: user.email,
    email_verified: true,
    name: user.name,
    groups: user.groups,
  };
}
