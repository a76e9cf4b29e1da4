import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

export type SigningAlgorithm = 'RS256' | 'ES256';

/** A key ready to sign: the private KeyObject plus what goes into JWKS. */
export interface SigningKeyMaterial {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

export interface PublicJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

export interface GenerateKeyOptions {
  alg: SigningAlgorithm;
  rsaModulusLength?: number;
}

/** Generates a fresh key pair; the kid is its RFC 7638 thumbprint. */
export async function generateSigningKey(options: GenerateKeyOptions): Promise<SigningKeyMaterial> {
  const { privateKey } =
    options.alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: options.rsaModulusLength ?? 2048, publicExponent: 0x10001 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return describeKey(privateKey, options.alg);
}

/** Rebuilds key material from a stored PKCS#8 PEM. */
export async function importSigningKey(pkcs8Pem: string, alg: SigningAlgorithm): Promise<SigningKeyMaterial> {
  return describeKey(createPrivateKey(pkcs8Pem), alg);
}

export function exportPrivateKeyPem(key: SigningKeyMaterial): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function describeKey(privateKey: KeyObject, alg: SigningAlgorithm): Promise<SigningKeyMaterial> {
  const exported = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const publicPart: JWK =
    exported.kty === 'RSA' ? { kty: 'RSA', n: exported.n!, e: exported.e! } : { kty: 'EC', crv: exported.crv!, x: exported.x!, y: exported.y! };
  const kid = await calculateJwkThumbprint(publicPart, 'sha256');
  return { kid, alg, privateKey, publicJwk: { ...publicPart, kid, alg, use: 'sig' } };
}
