import { randomHex, randomId, sha256Hex } from '../core/index.ts';

/**
 * The bearer secrets of this module. Each carries its row id in clear (so the lookup is one
 * primary-key read) and 32 random bytes; the store keeps only the sha256 of the whole string.
 * @see ../../docs/session-protocol.md
 */
const SESSION_CREDENTIAL = /^rps_(ses_[a-z0-9]{1,60})\.([A-Za-z0-9_-]{43})$/;
const USER_TOKEN = /^rpu_([a-z0-9]{1,60})\.([A-Za-z0-9_-]{43})$/;

export function newSessionId(): string {
  return `ses_${randomHex(10)}`;
}

export function newSessionCredential(sessionId: string): string {
  return `rps_${sessionId}.${randomId(32)}`;
}

/** The session id inside a well-formed session credential, or undefined. */
export function sessionIdOfCredential(credential: string): string | undefined {
  return SESSION_CREDENTIAL.exec(credential)?.[1];
}

export function newUserTokenId(): string {
  return randomHex(8);
}

export function newUserToken(id: string): string {
  return `rpu_${id}.${randomId(32)}`;
}

/** The token id inside a well-formed user API token, or undefined. */
export function idOfUserToken(token: string): string | undefined {
  return USER_TOKEN.exec(token)?.[1];
}

/** How credentials are stored and compared. */
export function hashCredential(credential: string): string {
  return sha256Hex(credential);
}
