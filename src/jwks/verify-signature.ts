import { KeyObject, verify as verifyWithNode } from 'node:crypto';
import { compactVerify, errors as joseErrors, type CryptoKey, type JWSHeaderParameters } from 'jose';
import type { KeyResolver } from './key-source.ts';

/** How Node verifies each algorithm it checks in place: the digest, and the key jose's JWKS import must have produced. */
interface NodeAlgorithm {
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly key: { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: string } | { readonly name: 'ECDSA'; readonly namedCurve: string };
}

const NODE_ALGORITHMS: Readonly<Record<string, NodeAlgorithm>> = {
  RS256: { hash: 'sha256', key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } },
  RS384: { hash: 'sha384', key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' } },
  RS512: { hash: 'sha512', key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' } },
  ES256: { hash: 'sha256', key: { name: 'ECDSA', namedCurve: 'P-256' } },
  ES384: { hash: 'sha384', key: { name: 'ECDSA', namedCurve: 'P-384' } },
  ES512: { hash: 'sha512', key: { name: 'ECDSA', namedCurve: 'P-521' } },
};

/** RFC 7518 §3.3 (and RFC 8725's advice): an RSA key shorter than 2048 bits signs nothing we accept. */
const MIN_RSA_BITS = 2048;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The Node key behind each imported CryptoKey, made once (a provider's JWKS is imported once per fetch). */
const nodeKeys = new WeakMap<CryptoKey, KeyObject>();

function nodeKeyOf(key: CryptoKey): KeyObject {
  let nodeKey = nodeKeys.get(key);
  if (nodeKey === undefined) {
    nodeKey = KeyObject.from(key);
    nodeKeys.set(key, nodeKey);
  }
  return nodeKey;
}

interface CompactParts {
  readonly header: JWSHeaderParameters;
  readonly headerPart: string;
  readonly payloadPart: string;
  readonly signaturePart: string;
}

/** jose's checks on the compact form and its protected header, with jose's errors. */
function readCompact(token: string): CompactParts {
  const parts = token.split('.');
  if (parts.length !== 3) throw new joseErrors.JWSInvalid('Invalid Compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  if (!BASE64URL.test(headerPart) || !BASE64URL.test(payloadPart) || !BASE64URL.test(signaturePart)) throw new joseErrors.JWSInvalid('Invalid Compact JWS');
  let header: unknown;
  try {
    header = JSON.parse(strictUtf8.decode(Buffer.from(headerPart, 'base64url')));
  } catch (cause) {
    throw new joseErrors.JWSInvalid('JWS Protected Header is invalid', { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new joseErrors.JWSInvalid('JWS Protected Header is invalid');
  return { header: header as JWSHeaderParameters, headerPart, payloadPart, signaturePart };
}

/**
 * `crit` (RFC 7515 §4.1.11): a token that marks an extension critical must be refused unless
 * the extension is understood. The only one jose understands is `b64` (RFC 7797), and a JWT
 * must keep its payload encoded (RFC 7797 §7), so `b64` may only be `true`.
 */
function checkCritical(header: JWSHeaderParameters): void {
  const crit: unknown = header.crit;
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((name) => typeof name !== 'string' || name.length === 0)) {
    throw new joseErrors.JWSInvalid('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present');
  }
  for (const name of crit as string[]) {
    if (name !== 'b64') throw new joseErrors.JOSENotSupported(`Extension Header Parameter "${name}" is not recognized`);
  }
  if (header.b64 !== true) throw new joseErrors.JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be true in a JWT');
}

/** The key must be the kind jose's import makes for `alg`, usable to verify (jose's `checkCryptoKey`, `checkModulusLength`). */
function checkKey(key: CryptoKey, alg: string, expected: NodeAlgorithm['key']): void {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number };
  if (algorithm.name !== expected.name) throw new TypeError(`CryptoKey does not support this operation, its algorithm.name must be ${expected.name}`);
  if ('hash' in expected && algorithm.hash?.name !== expected.hash) throw new TypeError(`CryptoKey does not support this operation, its algorithm.hash must be ${expected.hash}`);
  if ('namedCurve' in expected && algorithm.namedCurve !== expected.namedCurve) {
    throw new TypeError(`CryptoKey does not support this operation, its algorithm.namedCurve must be ${expected.namedCurve}`);
  }
  if (!key.usages.includes('verify')) throw new TypeError('CryptoKey does not support this operation, its usages must include verify.');
  if (expected.name === 'RSASSA-PKCS1-v1_5' && (typeof algorithm.modulusLength !== 'number' || algorithm.modulusLength < MIN_RSA_BITS)) {
    throw new TypeError(`${alg} requires key modulusLength to be ${MIN_RSA_BITS} bits or larger`);
  }
}

/** One key against the signature, in place: no thread-pool round trip for a check of some tens of microseconds. */
function verifiesWith(key: CryptoKey, alg: string, node: NodeAlgorithm, parts: CompactParts): boolean {
  checkKey(key, alg, node.key);
  const signingInput = Buffer.from(`${parts.headerPart}.${parts.payloadPart}`, 'latin1');
  const signature = Buffer.from(parts.signaturePart, 'base64url');
  const nodeKey = nodeKeyOf(key);
  try {
    return verifyWithNode(node.hash, signingInput, node.key.name === 'ECDSA' ? { key: nodeKey, dsaEncoding: 'ieee-p1363' } : nodeKey, signature);
  } catch {
    // A signature of the wrong length or shape verifies nothing.
    return false;
  }
}

/**
 * Verifies a compact JWS with a provider's keys, allowing only `algorithms`. When the token
 * names no `kid` and several keys fit, each is tried in turn, as the clouds do.
 * Throws jose's errors (`JWKSNoMatchingKey`, `JWSSignatureVerificationFailed`,
 * `JOSEAlgNotAllowed`, …) for the caller to map to its protocol's error.
 *
 * jose chooses and imports the key (its local JWKS: `kid`, `kty`, `alg`, `use`, `key_ops`,
 * curve); the RS* and ES* signatures themselves are checked with Node's synchronous
 * `crypto.verify`, after jose's own checks on the header (`alg` allowed, `crit`) and on the
 * key (type, hash, curve, usage, RSA size) — WebCrypto's asynchronous verify cost a
 * thread-pool round trip and more dispatch than the RSA check itself, on the local STS's
 * busiest path. Any other algorithm in `algorithms` is left to jose's `compactVerify`.
 */
export async function verifySignature(token: string, resolve: KeyResolver, algorithms: readonly string[]): Promise<Uint8Array> {
  const parts = readCompact(token);
  checkCritical(parts.header);
  const alg = parts.header.alg;
  if (typeof alg !== 'string' || alg.length === 0) throw new joseErrors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  if (!algorithms.includes(alg)) throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  const node = NODE_ALGORITHMS[alg];
  if (node === undefined) return verifyWithJose(token, resolve, algorithms);

  const flattened = { protected: parts.headerPart, payload: parts.payloadPart, signature: parts.signaturePart };
  let candidates: AsyncIterable<CryptoKey> | undefined;
  try {
    const key = await resolve(parts.header, flattened);
    if (!verifiesWith(key, alg, node, parts)) throw new joseErrors.JWSSignatureVerificationFailed();
    return Buffer.from(parts.payloadPart, 'base64url');
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    candidates = error as unknown as AsyncIterable<CryptoKey>;
  }
  for await (const key of candidates) {
    if (verifiesWith(key, alg, node, parts)) return Buffer.from(parts.payloadPart, 'base64url');
  }
  throw new joseErrors.JWSSignatureVerificationFailed();
}

/** jose's `compactVerify`, trying each candidate key when several fit. */
async function verifyWithJose(token: string, resolve: KeyResolver, algorithms: readonly string[]): Promise<Uint8Array> {
  try {
    return (await compactVerify(token, resolve, { algorithms: [...algorithms] })).payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error as unknown as AsyncIterable<CryptoKey>) {
      try {
        return (await compactVerify(token, key, { algorithms: [...algorithms] })).payload;
      } catch (attempt) {
        if (!(attempt instanceof joseErrors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
}
