import { createHash } from 'node:crypto';
import type { PublicJwk, SigningAlgorithm } from './signing-key.ts';

/** Where the key set lives, relative to the issuer (Kubernetes' path, which AWS users know). */
export const JWKS_PATH = '/openid/v1/jwks';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Claims Roleport may put in tokens, advertised in discovery. */
export const SUPPORTED_CLAIMS = [
  'iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'azp',
  'preferred_username', 'email', 'name', 'groups', 'session_id', 'repository',
  'https://aws.amazon.com/tags', 'https://aws.amazon.com/source_identity',
] as const;

/** A pre-serialized response: bytes plus a strong ETag, so serving it costs no work. */
export interface ServedDocument {
  body: Buffer;
  etag: string;
}

export interface IssuerDocuments {
  discovery: ServedDocument;
  jwks: ServedDocument;
  keysByKid: ReadonlyMap<string, ServedDocument>;
}

export interface BuildDocumentsOptions {
  issuer: string;
  publishedKeys: readonly PublicJwk[];
  /** Extra discovery fields contributed by other parts (token endpoint, …). */
  extraDiscovery?: Record<string, unknown>;
}

export function buildDiscoveryDocument(issuer: string, algorithms: readonly SigningAlgorithm[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algorithms.length > 0 ? [...new Set(algorithms)] : ['RS256'],
    scopes_supported: ['openid'],
    claims_supported: [...SUPPORTED_CLAIMS],
    ...extra,
  };
}

export function buildJwks(publishedKeys: readonly PublicJwk[]): { keys: PublicJwk[] } {
  return { keys: [...publishedKeys] };
}

export function buildIssuerDocuments(options: BuildDocumentsOptions): IssuerDocuments {
  const algorithms = options.publishedKeys.map((k) => k.alg);
  return {
    discovery: serve(buildDiscoveryDocument(options.issuer, algorithms, options.extraDiscovery)),
    jwks: serve(buildJwks(options.publishedKeys)),
    keysByKid: new Map(options.publishedKeys.map((key) => [key.kid, serve(key)])),
  };
}

function serve(document: unknown): ServedDocument {
  const body = Buffer.from(JSON.stringify(document));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
