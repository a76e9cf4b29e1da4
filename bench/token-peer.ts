import { createServer as createHttpServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { loadProviderClass } from '../src/demo-idp/oidc-provider-shapes.ts';
import { createMemoryAdapter } from '../src/demo-idp/memory-adapter.ts';
import { answerCpuQueries, benchInput, freePort } from './processes.ts';

/**
 * The peer of the token-endpoint benchmark, in a process of its own: `oidc-provider` (the
 * certified OpenID provider Roleport's tests use as the company IdP) as an OAuth token
 * endpoint with the `client_credentials` grant and JWT access tokens signed with the
 * algorithm asked for, carrying as many claims as Roleport's tokens do (extra claims fill the
 * difference). It says `{ type: 'listening', url, … }` over IPC once it listens, and closes
 * on any message back.
 */
export interface TokenPeerInput {
  alg: 'RS256' | 'ES256';
  /** Claims every access token should carry in total (Roleport's count). */
  claimCount: number;
}

export const PEER_CLIENT = { id: 'bench-client', secret: 'bench-secret-0123456789abcdefghijklmnopqrstuvw' };
export const PEER_AUDIENCE = 'sts.amazonaws.com';
const PEER_RESOURCE = 'https://sts.amazonaws.com/';

/** Claims oidc-provider puts in a client_credentials JWT access token by itself: jti, sub, iat, exp, client_id, iss, aud. */
const OWN_CLAIMS = 7;

if (import.meta.main) await servePeer(benchInput<TokenPeerInput>());

async function servePeer(input: TokenPeerInput): Promise<void> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const Provider = await loadProviderClass();
  const privateKey = input.alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg: input.alg, use: 'sig', kid: 'peer' };
  const extra: Record<string, unknown> = {};
  for (let i = 0; Object.keys(extra).length < input.claimCount - OWN_CLAIMS; i++) extra[`claim_${i}`] = `value-${i}`;

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [jwk] },
    clients: [
      {
        client_id: PEER_CLIENT.id,
        client_secret: PEER_CLIENT.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: input.alg,
      },
    ],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Resource indicators are absolute URIs; the token's audience is the server info's.
        defaultResource: () => PEER_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: '', audience: PEER_AUDIENCE, accessTokenTTL: 60, accessTokenFormat: 'jwt', jwt: { sign: { alg: input.alg } } }),
      },
    },
    extraTokenClaims: () => extra,
    ttl: { ClientCredentials: 60 },
  });
  const server = createHttpServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.send!({ type: 'listening', url: issuer });
  answerCpuQueries(() => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
