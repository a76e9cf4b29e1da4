import { createHmac } from 'node:crypto';
import { constantTimeEqual, randomId, sha256Hex, type Clock } from '../core/index.ts';
import type { BrowserSessionRepository } from '../store/index.ts';

export interface BrowserSessionsOptions {
  repository: BrowserSessionRepository;
  clock: Clock;
  ttlSeconds: number;
  /** Shared by every broker replica; keys the CSRF tokens. */
  secret: string;
}

/** A signed-in browser: the cookie carries `id`; the database holds only its hash. */
export interface BrowserSession {
  id: string;
  userId: string;
  expiresAt: number;
}

export interface BrowserSessions {
  start(userId: string): Promise<BrowserSession>;
  /** The live session for a cookie's id, or undefined (unknown, expired or signed out). */
  resolve(id: string): Promise<BrowserSession | undefined>;
  /** Ends the session; resolves with whether it was live. */
  end(id: string): Promise<boolean>;
  /** The synchronizer token for forms shown to this session. */
  csrfToken(id: string): string;
  verifyCsrf(id: string, token: string | undefined): boolean;
}

/**
 * Browser sign-in sessions in the database, so any replica serves any browser and signing out
 * on one ends it on all. CSRF tokens are an HMAC of the session id: tied to the session,
 * nothing to store, and useless to anyone who cannot read the (HttpOnly) cookie.
 */
export function createBrowserSessions(options: BrowserSessionsOptions): BrowserSessions {
  const { repository, clock } = options;
  const csrfToken = (id: string): string => createHmac('sha256', options.secret).update(`csrf\0${id}`).digest('base64url');
  return {
    async start(userId) {
      const now = clock.now();
      const id = randomId(32);
      const expiresAt = now + options.ttlSeconds * 1000;
      await repository.insert({ id_hash: sha256Hex(id), user_id: userId, created_at: now, expires_at: expiresAt });
      // Expired rows are swept here, at a sign-in, rather than by a timer every replica would run.
      await repository.deleteExpired(now);
      return { id, userId, expiresAt };
    },
    async resolve(id) {
      const row = await repository.findActive(sha256Hex(id), clock.now());
      return row === undefined ? undefined : { id, userId: row.user_id, expiresAt: row.expires_at };
    },
    end: (id) => repository.delete(sha256Hex(id)),
    csrfToken,
    verifyCsrf: (id, token) => token !== undefined && token.length > 0 && constantTimeEqual(token, csrfToken(id)),
  };
}
