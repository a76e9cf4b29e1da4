import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, type CryptoKey, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import { fetchJsonDocument } from './fetch-document.ts';

/** What jose's `compactVerify` takes as its key: a function of the protected header. */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export interface ProviderKeySet {
  resolve: KeyResolver;
  jwksUri: string;
  keyCount: number;
}

export interface KeySourceOptions {
  /** How long fetched discovery documents and JWKS are reused. */
  cacheMs: number;
  /** A provider's keys are refetched for an unknown `kid` at most this often. */
  cooldownMs?: number;
  timeoutMs?: number;
  /** Providers whose keys are kept at once (least recently used leave first). */
  maxProviders?: number;
}

export interface KeySource {
  /** The provider's keys, fetched or from the cache. Throws when they cannot be retrieved. */
  get(provider: { url: string; thumbprints: readonly string[] }): Promise<ProviderKeySet>;
  /** Refetches (when the last fetch is older than the cooldown) after a token named an unknown key. */
  refresh(provider: { url: string; thumbprints: readonly string[] }): Promise<ProviderKeySet | undefined>;
  clear(): void;
}

interface Entry {
  keys: ProviderKeySet;
  fetchedAt: number;
}

/** AWS gives up on an identity provider after about five seconds. */
const DEFAULT_TIMEOUT_MS = 5000;
const MAX_DOCUMENT_BYTES = 512 * 1024;

/**
 * Discovery (`<iss>/.well-known/openid-configuration` → `jwks_uri`) and JWKS per provider,
 * cached for a bounded time as AWS does. Only the registered issuer's own documents are
 * ever fetched: a token's `jku`, `x5u`, `jwk` or `x5c` header is never looked at (RFC 8725
 * §3.10). Cache ages use the monotonic clock: they bound staleness, they decide nothing
 * about a token.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function createKeySource(options: KeySourceOptions): KeySource {
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Entry>>();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cooldownMs = options.cooldownMs ?? Math.min(30_000, options.cacheMs);
  const maxProviders = options.maxProviders ?? 100;

  const load = (provider: { url: string; thumbprints: readonly string[] }): Promise<Entry> => {
    let pending = inflight.get(provider.url);
    if (pending === undefined) {
      pending = fetchKeys(provider, timeoutMs).finally(() => inflight.delete(provider.url));
      inflight.set(provider.url, pending);
      pending.then(
        (entry) => {
          cache.delete(provider.url);
          cache.set(provider.url, entry);
          while (cache.size > maxProviders) cache.delete(cache.keys().next().value as string);
        },
        () => {},
      );
    }
    return pending;
  };

  return {
    async get(provider) {
      const entry = cache.get(provider.url);
      if (entry !== undefined && performance.now() - entry.fetchedAt < options.cacheMs) return entry.keys;
      return (await load(provider)).keys;
    },
    async refresh(provider) {
      const entry = cache.get(provider.url);
      if (entry !== undefined && performance.now() - entry.fetchedAt < cooldownMs) return undefined;
      return (await load(provider)).keys;
    },
    clear() {
      cache.clear();
    },
  };
}

async function fetchKeys(provider: { url: string; thumbprints: readonly string[] }, timeoutMs: number): Promise<Entry> {
  const fetchOptions = { timeoutMs, maxBytes: MAX_DOCUMENT_BYTES, thumbprints: provider.thumbprints };
  const discovery = await fetchJsonDocument(`${provider.url}/.well-known/openid-configuration`, fetchOptions);
  const jwksUri = typeof discovery === 'object' && discovery !== null ? (discovery as Record<string, unknown>)['jwks_uri'] : undefined;
  if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri)) throw new Error('the discovery document has no http(s) jwks_uri');
  const jwks = await fetchJsonDocument(jwksUri, fetchOptions);
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as Record<string, unknown>)['keys'])) {
    throw new Error(`${jwksUri} is not a JSON Web Key Set`);
  }
  const keys = (jwks as JSONWebKeySet).keys;
  // AWS reads at most 100 RSA and 100 EC keys from a JWKS.
  const usable = keys.filter((key) => key.kty === 'RSA').slice(0, 100).concat(keys.filter((key) => key.kty === 'EC').slice(0, 100));
  const resolve = createLocalJWKSet({ keys: usable });
  return { keys: { resolve: resolve as KeyResolver, jwksUri, keyCount: usable.length }, fetchedAt: performance.now() };
}
