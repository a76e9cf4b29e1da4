import { randomBytes, timingSafeEqual, createHash, hash } from 'node:crypto';

export function base64urlEncode(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

export function base64urlDecode(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

/** Random identifier, URL-safe, `bytes` of entropy. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** Random hex string; used where a wire format wants hex (AWS ids). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Constant-time string comparison; different lengths compare unequal without leaking where. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/** SHA-256 hex digest: how API keys, session credentials and AWS secrets are stored. */
export function sha256Hex(value: string): string {
  // The one-shot form: no Hash object per call (every token exchange hashes its credential).
  return hash('sha256', value, 'hex');
}
