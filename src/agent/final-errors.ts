import { isBrokerClientError } from '../client/index.ts';

const FINAL_CODES = new Set(['ERR_GRANT_INVALID', 'ERR_UNAUTHENTICATED', 'ERR_SESSION_INACTIVE']);

/** A refusal that no retry changes: the session was revoked or ended, or its credential is wrong. */
export function isFinalSessionError(error: unknown): boolean {
  return isBrokerClientError(error) && !error.retryable && FINAL_CODES.has(error.code);
}
