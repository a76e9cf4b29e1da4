import { createHash, randomUUID } from 'node:crypto';
import { pooledRandomBytes } from '../core/index.ts';

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
 * Base32 digits in ASCII order, so that the text of a number sorts like the number. Same
 * characters as {@link BASE32}: an ID written with them still has AWS's shape.
 */
const SORTABLE_BASE32 = '234567ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * `ASIA` + 16 characters: the access key ID of temporary credentials. The first 9 characters
 * are the issue time in milliseconds (45 bits, sortable), the last 7 are random (35 bits).
 * The ID is the key of the credentials table: time-ordered IDs append at the end of its
 * index, where fully random ones made every insert touch (and write to the WAL) a random
 * page — the largest database cost of AssumeRole*, growing with the table. An access key ID
 * is not a secret (the secret and session token are); it tells no more than the issue time,
 * which the credentials' expiration already shows. Two IDs can still collide (two issues in
 * one millisecond with the same 35 random bits); the credential store then draws again.
 */
export function newTemporaryAccessKeyId(issuedAtMs: number): string {
  let time = '';
  let rest = Math.max(0, Math.floor(issuedAtMs));
  for (let digit = 0; digit < 9; digit++) {
    time = SORTABLE_BASE32[rest % 32]! + time;
    rest = Math.floor(rest / 32);
  }
  return `ASIA${time}${base32(pooledRandomBytes(5), 7)}`;
}

/** 40 characters, like AWS secret access keys (240 random bits). */
export function newSecretAccessKey(): string {
  return pooledRandomBytes(30).toString('base64');
}

/** `AKIA` + 16 characters (80 random bits): the access key ID of a principal's long-term key. */
export function newLongTermAccessKeyId(): string {
  return `AKIA${base32(pooledRandomBytes(10), 16)}`;
}

/**
 * 64 characters (384 random bits): the secret of a principal's long-term key. Longer than
 * AWS's 40 on purpose: SigV4's first key, `"AWS4" + secret`, is then longer than SHA-256's
 * 64-byte block, so HMAC itself replaces it by its SHA-256 (RFC 2104 §2) — and the STS can
 * verify signatures while storing only that hash, never the secret. The AWS SDKs and CLI
 * take secrets of any length.
 */
export function newLongTermSecretAccessKey(): string {
  return pooledRandomBytes(48).toString('base64');
}

/** An opaque session token (960 random bits); only its SHA-256 is stored. */
export function newSessionToken(): string {
  return `RPST${pooledRandomBytes(120).toString('base64')}`;
}

/**
 * The role's unique ID (`AROA` + 17 characters). Derived from the ARN so it is stable across
 * restarts and replicas without being stored.
 */
export function roleIdFor(roleArn: string): string {
  let id = roleIds.get(roleArn);
  if (id === undefined) {
    id = `AROA${base32(createHash('sha256').update(`roleport-role-id:${roleArn}`).digest(), 17)}`;
    // Every credential issue asks; the hash is worth keeping. Bounded: roles are few, ARNs in requests are not.
    if (roleIds.size >= 1000) roleIds.clear();
    roleIds.set(roleArn, id);
  }
  return id;
}

const roleIds = new Map<string, string>();

/** An IAM user's unique ID (`AIDA` + 17 characters), derived from its ARN like {@link roleIdFor}. */
export function userIdFor(userArn: string): string {
  return `AIDA${base32(createHash('sha256').update(`roleport-user-id:${userArn}`).digest(), 17)}`;
}

/** A request ID as AWS returns in `x-amzn-RequestId` and `<RequestId>`. */
export function newRequestId(): string {
  return randomUUID();
}
