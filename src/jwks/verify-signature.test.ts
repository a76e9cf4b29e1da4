/**
 * The in-place signature check against jose's `compactVerify`, input by input: the same
 * tokens accepted with the same payload, the same ones refused with the same jose error class
 * (src/sts/web-identity.ts and the other callers map the class to their protocol's error).
 * Where the two differ on purpose (`b64: false`), the test says so.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, KeyObject, sign as nodeSign } from 'node:crypto';
import {
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { verifySignature } from './verify-signature.ts';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

interface SigningKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const encoder = new TextEncoder();
const PAYLOAD = { iss: 'https://issuer.example', sub: 'user:alice', aud: 'sts.amazonaws.com', exp: 2_000_000_000, iat: 1_700_000_000 };

async function token(key: SigningKey, header: Record<string, unknown> = {}, payload: unknown = PAYLOAD): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** An RS256 token over any header, signed with Node (jose will not sign a header it does not understand). */
function signedByHand(key: SigningKey, header: Record<string, unknown>): string {
  const unsigned = handMade(header, PAYLOAD, '').slice(0, -1);
  return `${unsigned}.${nodeSign('sha256', Buffer.from(unsigned), KeyObject.from(key.privateKey)).toString('base64url')}`;
}

/** A token whose parts are written by hand: base64url of the header and payload JSON, then a signature. */
function handMade(header: unknown, payload: unknown, signature: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

type Outcome = { ok: true; payload: string } | { ok: false; error: string };

async function outcome(run: () => Promise<Uint8Array>): Promise<Outcome> {
  try {
    return { ok: true, payload: Buffer.from(await run()).toString('utf8') };
  } catch (error) {
    return { ok: false, error: (error as Error).constructor.name };
  }
}

/**
 * Runs the new verifier and jose's `compactVerify` (candidate keys tried in turn, as the old
 * code did) on the same input. The reference loop is written out here rather than shared with
 * verify-signature.ts's jose fallback: a reference that calls the code under test proves nothing.
 */
async function both(compact: string, jwks: JSONWebKeySet, algorithms: readonly string[]): Promise<{ ours: Outcome; jose: Outcome }> {
  const resolve = createLocalJWKSet(jwks);
  const ours = await outcome(() => verifySignature(compact, resolve, algorithms));
  const jose = await outcome(async () => {
    try {
      return (await compactVerify(compact, resolve, { algorithms: [...algorithms] })).payload;
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
      for await (const key of error as unknown as AsyncIterable<CryptoKey>) {
        try {
          return (await compactVerify(compact, key, { algorithms: [...algorithms] })).payload;
        } catch (attempt) {
          if (!(attempt instanceof joseErrors.JWSSignatureVerificationFailed)) throw attempt;
        }
      }
      throw new joseErrors.JWSSignatureVerificationFailed();
    }
  });
  return { ours, jose };
}

/** Both verifiers agree, and on what was expected: a payload, or an error class. */
async function agree(compact: string, jwks: JSONWebKeySet, algorithms: readonly string[], expected: 'accepted' | string, what: string): Promise<void> {
  const { ours, jose } = await both(compact, jwks, algorithms);
  assert.deepEqual(ours, jose, `${what}: the in-place check and jose agree`);
  if (expected === 'accepted') assert.deepEqual(ours, { ok: true, payload: JSON.stringify(PAYLOAD) }, what);
  else assert.deepEqual(ours, { ok: false, error: expected }, what);
}

function tamper(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[bytes.length >> 1] ^= 0x01;
  return bytes.toString('base64url');
}

describe('verifySignature: the in-place check accepts and refuses what jose does', () => {
  const keys = new Map<Algorithm, SigningKey>();
  const others = new Map<Algorithm, SigningKey>();
  const setOf = (...entries: SigningKey[]): JSONWebKeySet => ({ keys: entries.map((entry) => entry.jwk) });

  before(async () => {
    for (const alg of ALGORITHMS) {
      keys.set(alg, await signingKey(alg, `${alg}-1`));
      others.set(alg, await signingKey(alg, `${alg}-1`));
    }
  });

  for (const alg of ALGORITHMS) {
    test(`${alg}: a good token is accepted; any bit changed, or another key's signature, is refused`, async () => {
      const key = keys.get(alg)!;
      const jwks = setOf(key);
      const good = await token(key);
      await agree(good, jwks, ALGORITHMS, 'accepted', 'good token');
      const [header, payload, signature] = good.split('.') as [string, string, string];
      await agree(`${header}.${tamper(payload)}.${signature}`, jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', 'tampered payload');
      await agree(`${header}.${payload}.${tamper(signature)}`, jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', 'tampered signature');
      await agree(`${header}.${payload}.${signature.slice(0, -4)}`, jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', 'truncated signature');
      await agree(`${header}.${payload}.${signature}AAAA`, jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', 'extended signature');
      await agree(`${header}.${payload}.`, jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', 'empty signature');
      const headerTampered = handMade({ alg, kid: key.kid, typ: 'JWT' }, PAYLOAD, signature);
      await agree(`${headerTampered.split('.')[0]}.${payload}.${signature}`, jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', 'header changed after signing');
      // Same kid, another key: what a key confusion or a forged token looks like.
      await agree(await token(others.get(alg)!), jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', "another key's signature under the same kid");
    });
  }

  test('ES256: a DER signature (what crypto.sign gives by default) is not a JWS signature', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk: JWK = { ...publicKey.export({ format: 'jwk' }), kid: 'der', alg: 'ES256' };
    const unsigned = handMade({ alg: 'ES256', kid: 'der' }, PAYLOAD, '').slice(0, -1);
    const der = nodeSign('sha256', Buffer.from(unsigned), privateKey).toString('base64url');
    const p1363 = nodeSign('sha256', Buffer.from(unsigned), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    await agree(`${unsigned}.${p1363}`, { keys: [jwk] }, ['ES256'], 'accepted', 'P1363');
    await agree(`${unsigned}.${der}`, { keys: [jwk] }, ['ES256'], 'JWSSignatureVerificationFailed', 'DER');
  });

  test('algorithms: one not allowed, none, HS256 keyed with the public key, a missing or empty alg', async () => {
    const rsa = keys.get('RS256')!;
    const es = keys.get('ES256')!;
    const jwks = setOf(rsa, es);
    await agree(await token(es), jwks, ['RS256'], 'JOSEAlgNotAllowed', 'ES256 where only RS256 is allowed');
    await agree(handMade({ alg: 'none', kid: rsa.kid }, PAYLOAD, ''), jwks, ALGORITHMS, 'JOSEAlgNotAllowed', 'alg none');
    // The classic confusion: the RSA public key's bytes as an HMAC secret.
    const unsigned = handMade({ alg: 'HS256', kid: rsa.kid }, PAYLOAD, '').slice(0, -1);
    const mac = createHmac('sha256', JSON.stringify(rsa.jwk)).update(unsigned).digest('base64url');
    await agree(`${unsigned}.${mac}`, jwks, ALGORITHMS, 'JOSEAlgNotAllowed', 'HS256 with the public key as secret');
    await agree(handMade({ kid: rsa.kid }, PAYLOAD, 'AAAA'), jwks, ALGORITHMS, 'JWSInvalid', 'no alg');
    await agree(handMade({ alg: '', kid: rsa.kid }, PAYLOAD, 'AAAA'), jwks, ALGORITHMS, 'JWSInvalid', 'empty alg');
    await agree(handMade({ alg: 256, kid: rsa.kid }, PAYLOAD, 'AAAA'), jwks, ALGORITHMS, 'JWSInvalid', 'alg not a string');
  });

  test('keys: the wrong type under the token kid, a JWK for another alg, for encryption, or an RSA key under 2048 bits', async () => {
    const rsa = keys.get('RS256')!;
    const es = keys.get('ES256')!;
    // The kid names an EC key, the header says RS256 (and the other way round).
    await agree(await token(rsa), { keys: [{ ...es.jwk, kid: rsa.kid }] }, ALGORITHMS, 'JWKSNoMatchingKey', 'RS256 token, EC key under its kid');
    await agree(await token(es), { keys: [{ ...rsa.jwk, kid: es.kid }] }, ALGORITHMS, 'JWKSNoMatchingKey', 'ES256 token, RSA key under its kid');
    await agree(await token(rsa), { keys: [{ ...rsa.jwk, alg: 'RS384' }] }, ALGORITHMS, 'JWKSNoMatchingKey', 'JWK for RS384');
    await agree(await token(rsa), { keys: [{ ...rsa.jwk, use: 'enc' }] }, ALGORITHMS, 'JWKSNoMatchingKey', 'JWK for encryption');
    await agree(await token(rsa), { keys: [{ ...rsa.jwk, key_ops: ['encrypt'] }] }, ALGORITHMS, 'JWKSNoMatchingKey', 'key_ops without verify');
    // jose will not make such a key: Node does, and signs with it.
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const unsigned = handMade({ alg: 'RS256', kid: 'short' }, PAYLOAD, '').slice(0, -1);
    const shortToken = `${unsigned}.${nodeSign('sha256', Buffer.from(unsigned), short.privateKey).toString('base64url')}`;
    await agree(shortToken, { keys: [{ ...short.publicKey.export({ format: 'jwk' }), kid: 'short', alg: 'RS256' }] }, ALGORITHMS, 'TypeError', 'RSA-1024');
  });

  test('crit: an extension not understood is refused; b64 true is understood; b64 false is refused (jose would take it, a JWT never uses it)', async () => {
    const key = keys.get('RS256')!;
    const jwks = setOf(key);
    await agree(signedByHand(key, { alg: 'RS256', kid: key.kid, crit: ['exp'], exp: 1 }), jwks, ALGORITHMS, 'JOSENotSupported', 'crit exp');
    await agree(signedByHand(key, { alg: 'RS256', kid: key.kid, crit: ['b64'], b64: true }), jwks, ALGORITHMS, 'accepted', 'crit b64 true');
    await agree(handMade({ alg: 'RS256', kid: key.kid, crit: [] }, PAYLOAD, 'AAAA'), jwks, ALGORITHMS, 'JWSInvalid', 'crit empty');
    await agree(handMade({ alg: 'RS256', kid: key.kid, crit: 'b64', b64: true }, PAYLOAD, 'AAAA'), jwks, ALGORITHMS, 'JWSInvalid', 'crit not an array');
    await agree(handMade({ alg: 'RS256', kid: key.kid, crit: ['b64'] }, PAYLOAD, 'AAAA'), jwks, ALGORITHMS, 'JWSInvalid', 'crit b64 without b64');

    const unencodedHeader = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid, crit: ['b64'], b64: false })).toString('base64url');
    const unencoded = `${unencodedHeader}.abc.${nodeSign('sha256', Buffer.from(`${unencodedHeader}.abc`), KeyObject.from(key.privateKey)).toString('base64url')}`;
    assert.equal((await both(unencoded, jwks, ALGORITHMS)).jose.ok, true, 'jose takes an unencoded payload');
    const ours = await outcome(() => verifySignature(unencoded, createLocalJWKSet(jwks), ALGORITHMS));
    assert.deepEqual(ours, { ok: false, error: 'JWSInvalid' });
  });

  test('shape: not three parts, characters outside base64url, a header that is not a JSON object or not UTF-8', async () => {
    const key = keys.get('RS256')!;
    const jwks = setOf(key);
    const good = await token(key);
    await agree(good.split('.').slice(0, 2).join('.'), jwks, ALGORITHMS, 'JWSInvalid', 'two parts');
    await agree(`${good}.x`, jwks, ALGORITHMS, 'JWSInvalid', 'four parts');
    await agree(`${Buffer.from('not json').toString('base64url')}.${good.split('.')[1]}.AAAA`, jwks, ALGORITHMS, 'JWSInvalid', 'header not JSON');
    await agree(`${Buffer.from('[1]').toString('base64url')}.${good.split('.')[1]}.AAAA`, jwks, ALGORITHMS, 'JWSInvalid', 'header an array');
    await agree(`${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${good.split('.')[1]}.AAAA`, jwks, ALGORITHMS, 'JWSInvalid', 'header not UTF-8');
    // jose's base64url decoding refuses these characters too; the message differs, the class is the same.
    const ours = await outcome(() => verifySignature(`${good.slice(0, 10)}+${good.slice(11)}`, createLocalJWKSet(jwks), ALGORITHMS));
    assert.deepEqual(ours, { ok: false, error: 'JWSInvalid' });
  });

  test('no kid: each key that fits is tried; the second one signing is enough, none signing is a signature failure', async () => {
    const first = await signingKey('RS256', 'a');
    const second = await signingKey('RS256', 'b');
    const withoutKid = (key: SigningKey): JWK => ({ ...key.jwk, kid: undefined });
    const jwks = { keys: [withoutKid(first), withoutKid(second)] };
    const signedBySecond = await new CompactSign(encoder.encode(JSON.stringify(PAYLOAD))).setProtectedHeader({ alg: 'RS256' }).sign(second.privateKey);
    await agree(signedBySecond, jwks, ALGORITHMS, 'accepted', 'second key signs');
    const stranger = await signingKey('RS256', 'c');
    const signedByStranger = await new CompactSign(encoder.encode(JSON.stringify(PAYLOAD))).setProtectedHeader({ alg: 'RS256' }).sign(stranger.privateKey);
    await agree(signedByStranger, jwks, ALGORITHMS, 'JWSSignatureVerificationFailed', 'no key signs');
  });

  test('an allowed algorithm outside the in-place set (PS256, EdDSA) is verified by jose', async () => {
    for (const alg of ['PS256', 'EdDSA']) {
      const key = await signingKey(alg, `${alg}-1`);
      await agree(await token(key), setOf(key), [...ALGORITHMS, alg], 'accepted', alg);
      const [header, payload, signature] = (await token(key)).split('.') as [string, string, string];
      await agree(`${header}.${payload}.${tamper(signature)}`, setOf(key), [...ALGORITHMS, alg], 'JWSSignatureVerificationFailed', `${alg} tampered`);
      await agree(await token(key), setOf(key), ALGORITHMS, 'JOSEAlgNotAllowed', `${alg} not allowed`);
    }
  });
});
