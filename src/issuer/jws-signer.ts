import { sign, webcrypto, type KeyObject } from 'node:crypto';
import type { SigningKeyMaterial } from './signing-key.ts';

/** Signs a JWS signing input (RFC 7515 §5.1) with a key: the signature bytes, in JWS's encoding. */
export type JwsSigner = (key: SigningKeyMaterial, signingInput: Buffer) => Promise<Uint8Array>;

/**
 * Where signatures are computed. `event-loop`: `crypto.sign` on the calling thread — nothing
 * else runs meanwhile, and nothing is handed to another thread. `thread-pool`: RS256 through
 * WebCrypto's `subtle.sign`, which Node runs on the libuv thread pool, so that while one core
 * signs (about 250 µs) the event loop goes on reading requests and writing the audit log on
 * another; ES256 stays on the event loop, as its signature (about 23 µs) costs less than the
 * hand-off (measured: 143 µs of CPU a token on the loop against 182 µs through the pool). The
 * RS256 signatures are the same either way (RSASSA-PKCS1-v1_5 is deterministic).
 */
export type SigningPlace = 'event-loop' | 'thread-pool';

/**
 * The signer the minting core uses; `thread-pool` when the process may run on more than one
 * core (`os.availableParallelism()` counts the CPUs this process is allowed, so a broker
 * pinned to one core signs on its event loop).
 * @see https://nodejs.org/api/webcrypto.html#subtlesignalgorithm-key-data
 */
export function createJwsSigner(place: SigningPlace): JwsSigner {
  if (place === 'event-loop') {
    // The key object itself, never `{ key, dsaEncoding }`: Node re-reads an options object's
    // key on every call, which cost half again the P-256 signature here (50 against 23 µs).
    return async (key, signingInput) => (key.alg === 'RS256' ? sign('sha256', signingInput, key.privateKey) : p256DerToJws(sign('sha256', signingInput, key.privateKey)));
  }
  const onLoop = createJwsSigner('event-loop');
  const cryptoKeys = new WeakMap<KeyObject, webcrypto.CryptoKey>();
  return async (key, signingInput) => {
    if (key.alg !== 'RS256') return onLoop(key, signingInput);
    let cryptoKey = cryptoKeys.get(key.privateKey);
    if (cryptoKey === undefined) {
      cryptoKey = key.privateKey.toCryptoKey(RSA_IMPORT, false, ['sign']);
      cryptoKeys.set(key.privateKey, cryptoKey);
    }
    return new Uint8Array(await webcrypto.subtle.sign(RSA_SIGN, cryptoKey, signingInput));
  };
}

const RSA_IMPORT = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const RSA_SIGN = { name: 'RSASSA-PKCS1-v1_5' } as const;

/**
 * An ECDSA P-256 signature from DER (`SEQUENCE { INTEGER r, INTEGER s }`, what `crypto.sign`
 * returns for an EC key) to JWS's encoding: r and s as 32 big-endian bytes each (RFC 7518
 * §3.4). A DER integer drops leading zero bytes and adds one when the top bit is set, so each
 * is cut or padded on the left to 32 bytes.
 */
export function p256DerToJws(der: Buffer): Uint8Array {
  const out = new Uint8Array(64);
  // SEQUENCE header: 0x30 and a one-byte length (a P-256 signature is at most 72 bytes).
  let offset = 2;
  for (const start of [0, 32]) {
    if (der[offset] !== 0x02) throw new Error('not a DER ECDSA signature');
    const length = der[offset + 1]!;
    let value = der.subarray(offset + 2, offset + 2 + length);
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) throw new Error('not a P-256 signature');
    out.set(value, start + 32 - value.length);
    offset += 2 + length;
  }
  return out;
}
