import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers in AWS's shapes. AWS unique IDs are a four-letter type prefix (`ASIA`
 * temporary access key, `AKIA` long-term key, `AROA` role) and upper-case base32-like
 * characters; tools such as the AWS CLI only check the shape, so base32 (RFC 4648) does.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/**
 * Random bytes drawn from a pool the CSPRNG refills, so that issuing credentials costs one
 * `randomBytes` call per few dozen issues instead of three each (the call has a fixed cost
 * that dominates at these sizes). Bytes are handed out once and overwritten after use.
 */
const POOL_SIZE = 8192;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function random(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + size));
  pool.fill(0, poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}

/** `ASIA` + 16 characters (80 random bits): the access key ID of temporary credentials. */
export function newTemporaryAccessKeyId(): string {
  return `ASIA${base32(random(10), 16)}`;
}

/** 40 characters, like AWS secret access keys (240 random bits). */
export function newSecretAccessKey(): string {
  return random(30).toString('base64');
}

/** `AKIA` + 16 characters (80 random bits): the access key ID of a principal's long-term key. */
export function newLongTermAccessKeyId(): string {
  return `AKIA${base32(random(10), 16)}`;
}

/**
 * 64 characters (384 random bits): the secret of a principal's long-term key. Longer than
 * AWS's 40 on purpose: SigV4's first key, `"AWS4" + secret`, is then longer than SHA-256's
 * 64-byte block, so HMAC itself replaces it by its SHA-256 (RFC 2104 §2) — and the STS can
 * verify signatures while storing only that hash, never the secret. The AWS SDKs and CLI
 * take secrets of any length.
 */
export function newLongTermSecretAccessKey(): string {
  return random(48).toString('base64');
}

/** An opaque session token (960 random bits); only its SHA-256 is stored. */
export function newSessionToken(): string {
  return `RPST${random(120).toString('base64')}`;
}

/**
 * The role's unique ID (`AROA` + 17 characters). Derived from the ARN so it is stable across
 * restarts and replicas without being stored.
 */
export function roleIdFor(roleArn: string): string {
  return `AROA${base32(createHash('sha256').update(`roleport-role-id:${roleArn}`).digest(), 17)}`;
}

/** An IAM user's unique ID (`AIDA` + 17 characters), derived from its ARN like {@link roleIdFor}. */
export function userIdFor(userArn: string): string {
  return `AIDA${base32(createHash('sha256').update(`roleport-user-id:${userArn}`).digest(), 17)}`;
}

/** A request ID as AWS returns in `x-amzn-RequestId` and `<RequestId>`. */
export function newRequestId(): string {
  return randomUUID();
}
