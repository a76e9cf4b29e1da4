import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importPKCS8 } from 'jose';
import * as client from 'openid-client';
import { RoleportError } from '../core/index.ts';
import { toSsoError } from './idp-errors.ts';

/** The parts of config `sso` the relying party uses. */
export interface RelyingPartyConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  privateKeyFile?: string | undefined;
  privateKeyId?: string | undefined;
  scopes: string;
  timeoutSeconds: number;
}

export interface RelyingPartyOptions {
  config: RelyingPartyConfig;
  redirectUri: string;
  /** Plain http to the IdP; only outside production mode (createSso enforces it). */
  allowHttp: boolean;
}

/** What the broker remembers between sending the browser to the IdP and its return. */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The tokens of a successful code exchange or refresh, with the validated ID-token claims. */
export interface IdpTokens {
  idToken: string | undefined;
  refreshToken: string | undefined;
  claims: Record<string, unknown> | undefined;
}

export interface RelyingParty {
  /** The IdP's issuer identifier as configured (and as discovery confirmed). */
  readonly issuer: string;
  /** A fresh state, nonce and PKCE verifier, and the authorization URL carrying them. */
  startAuthorization(): Promise<{ url: URL; checks: AuthorizationChecks }>;
  /**
   * Exchanges the code of the callback for tokens; openid-client validates the ID token
   * (signature, `iss`, `aud`, `exp`, `nonce`) and the PKCE verifier goes along.
   */
  exchangeCode(callbackQuery: URLSearchParams, checks: AuthorizationChecks): Promise<IdpTokens>;
  refresh(refreshToken: string): Promise<IdpTokens>;
}

/**
 * The OpenID Connect relying party over openid-client v6: discovery (cached after the first
 * success, retried after a failure), the authorization code flow with PKCE S256, state and
 * nonce, and the refresh grant, with every failure mapped by `toSsoError`.
 */
export function createRelyingParty(options: RelyingPartyOptions): RelyingParty {
  const { config, redirectUri } = options;
  const issuer = config.issuer;
  let discovered: Promise<client.Configuration> | undefined;

  const configuration = (): Promise<client.Configuration> => {
    if (discovered === undefined) {
      discovered = discover(options).catch((error: unknown) => {
        discovered = undefined;
        throw toSsoError(error, 'discovery', issuer);
      });
    }
    return discovered;
  };

  return {
    issuer,
    async startAuthorization() {
      const oidc = await configuration();
      const checks: AuthorizationChecks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
      const url = client.buildAuthorizationUrl(oidc, {
        redirect_uri: redirectUri,
        scope: config.scopes,
        response_type: 'code',
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url, checks };
    },
    async exchangeCode(callbackQuery, checks) {
      const oidc = await configuration();
      // openid-client derives the token request's redirect_uri from this URL: it must be the exact registered one.
      const currentUrl = new URL(redirectUri);
      for (const [name, value] of callbackQuery) currentUrl.searchParams.append(name, value);
      try {
        const response = await client.authorizationCodeGrant(oidc, currentUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        return toTokens(response);
      } catch (error) {
        throw toSsoError(error, 'code', issuer);
      }
    },
    async refresh(refreshToken) {
      const oidc = await configuration();
      try {
        return toTokens(await client.refreshTokenGrant(oidc, refreshToken));
      } catch (error) {
        throw toSsoError(error, 'refresh', issuer);
      }
    },
  };
}

async function discover(options: RelyingPartyOptions): Promise<client.Configuration> {
  const { config } = options;
  const auth = await clientAuthentication(config);
  const metadata: Partial<client.ClientMetadata> = { client_id: config.clientId, redirect_uris: [options.redirectUri], response_types: ['code'] };
  if (config.clientSecret !== undefined && config.tokenEndpointAuthMethod !== 'none' && config.tokenEndpointAuthMethod !== 'private_key_jwt') {
    metadata.client_secret = config.clientSecret;
  }
  const discoveryOptions: client.DiscoveryRequestOptions = { timeout: config.timeoutSeconds };
  if (options.allowHttp && config.issuer.startsWith('http://')) discoveryOptions.execute = [client.allowInsecureRequests];
  const oidc = await client.discovery(new URL(config.issuer), config.clientId, metadata, auth, discoveryOptions);
  oidc.timeout = config.timeoutSeconds;
  return oidc;
}

async function clientAuthentication(config: RelyingPartyConfig): Promise<client.ClientAuth> {
  switch (config.tokenEndpointAuthMethod) {
    case 'client_secret_basic':
      return client.ClientSecretBasic(requireSecret(config));
    case 'client_secret_post':
      return client.ClientSecretPost(requireSecret(config));
    case 'none':
      return client.None();
    case 'private_key_jwt': {
      const key = await loadPrivateKey(config);
      return client.PrivateKeyJwt(config.privateKeyId === undefined ? key : { key, kid: config.privateKeyId });
    }
  }
}

function requireSecret(config: RelyingPartyConfig): string {
  if (config.clientSecret === undefined) throw new RoleportError('ERR_CONFIG_INVALID', `sso.clientSecret: required for ${config.tokenEndpointAuthMethod}`);
  return config.clientSecret;
}

/** An RSA key signs with RS256, a P-256 key with ES256: the algorithms every IdP accepts for private_key_jwt. */
async function loadPrivateKey(config: RelyingPartyConfig): Promise<Awaited<ReturnType<typeof importPKCS8>>> {
  const file = config.privateKeyFile;
  if (file === undefined) throw new RoleportError('ERR_CONFIG_INVALID', 'sso.privateKeyFile: required for private_key_jwt');
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new RoleportError('ERR_CONFIG_INVALID', `sso.privateKeyFile: cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  try {
    const keyObject = createPrivateKey(pem);
    const type = keyObject.asymmetricKeyType;
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    const alg = type === 'rsa' ? 'RS256' : type === 'ec' && curve === 'prime256v1' ? 'ES256' : undefined;
    if (alg === undefined) throw new Error(`unsupported key type ${type ?? 'unknown'}${curve === undefined ? '' : ` (${curve})`}; use RSA or P-256`);
    const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'pem' }).toString();
    return await importPKCS8(pkcs8, alg);
  } catch (cause) {
    throw new RoleportError('ERR_CONFIG_INVALID', `sso.privateKeyFile: ${file} is not a usable private key: ${(cause as Error).message}`, { cause });
  }
}

function toTokens(response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): IdpTokens {
  const claims = response.claims();
  return {
    idToken: response.id_token,
    refreshToken: response.refresh_token,
    claims: claims === undefined ? undefined : { ...claims },
  };
}
