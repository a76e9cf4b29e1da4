/**
 * An OpenID provider's signing keys, fetched as the clouds fetch them: discovery
 * (`<iss>/.well-known/openid-configuration` → `jwks_uri`), then the JWKS, over HTTP(S) with a
 * bounded time and size, cached, refetched (rate-limited) for an unknown `kid`, with
 * thumbprint pinning for private TLS chains; and signature verification with a fixed list of
 * algorithms. The local STS (AWS), the local Google STS and the local Entra token endpoint
 * all verify web identity tokens through it.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8725
 */
export { createKeySource, type KeySource, type KeySourceOptions, type KeyResolver, type ProviderKeySet } from './key-source.ts';
export { fetchJsonDocument, type FetchDocumentOptions } from './fetch-document.ts';
export { verifySignature } from './verify-signature.ts';
export { decodeSignedJwt } from './compact-jws.ts';
