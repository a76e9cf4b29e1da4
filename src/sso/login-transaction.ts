import { RoleportError, type Clock } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { AuthorizationChecks } from './relying-party.ts';

/**
 * The login transaction: state, nonce, PKCE verifier and where to go afterwards, kept in a
 * short-lived cookie bound to the browser that started the sign-in. It is sealed (AES-GCM
 * under the master key), so it is both secret and tamper-proof, and any broker replica
 * sharing the master key can finish a sign-in another one started.
 */
export interface LoginTransaction extends AuthorizationChecks {
  returnTo: string;
  /** Epoch ms after which the transaction is refused. */
  expiresAt: number;
}

/** Ten minutes: long enough to type a password and answer MFA, short enough to limit replay. */
export const LOGIN_TRANSACTION_TTL_SECONDS = 600;

const ASSOCIATED_DATA = 'sso:login-transaction';

export function sealLoginTransaction(sealer: Sealer, transaction: LoginTransaction): string {
  return sealer.seal(JSON.stringify(transaction), ASSOCIATED_DATA);
}

/** Opens the cookie; a missing, tampered or expired one is ERR_SSO_STATE. */
export function openLoginTransaction(sealer: Sealer, clock: Clock, sealed: string | undefined): LoginTransaction {
  if (sealed === undefined || sealed.length === 0) {
    throw new RoleportError('ERR_SSO_STATE', 'no sign-in is in progress in this browser (the sign-in cookie is missing: it expired, cookies are blocked, or the sign-in was started in another browser); start again');
  }
  let transaction: unknown;
  try {
    transaction = JSON.parse(sealer.openText(sealed, ASSOCIATED_DATA));
  } catch (cause) {
    throw new RoleportError('ERR_SSO_STATE', 'the sign-in cookie is not valid; start again', { cause });
  }
  if (!isLoginTransaction(transaction)) throw new RoleportError('ERR_SSO_STATE', 'the sign-in cookie is not valid; start again');
  if (transaction.expiresAt <= clock.now()) throw new RoleportError('ERR_SSO_STATE', 'the sign-in took longer than 10 minutes; start again');
  return transaction;
}

function isLoginTransaction(value: unknown): value is LoginTransaction {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record['state'] === 'string' &&
    typeof record['nonce'] === 'string' &&
    typeof record['codeVerifier'] === 'string' &&
    typeof record['returnTo'] === 'string' &&
    typeof record['expiresAt'] === 'number'
  );
}

/**
 * Where the browser may be sent after sign-in: a path on this site only, so the login link
 * cannot be turned into an open redirect. The value is resolved as a URL against a stand-in
 * origin, as a browser would, and kept only if it stays on that origin; what comes back is the
 * URL parser's serialization — ASCII, percent-encoded — so any character (`/。evil`, bidi
 * controls) gives a valid `Location`, never a 500. A path that normalizes to `//host`
 * (`/.//evil`) would be protocol-relative, and is refused like `//evil`, `/\evil` and control
 * characters (which URL parsers silently drop).
 */
export function safeReturnTo(value: string | undefined): string {
  if (value === undefined || value.length > 1024 || !value.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, RETURN_BASE);
  } catch {
    return '/';
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin !== RETURN_BASE || path.startsWith('//') ? '/' : path;
}

const RETURN_BASE = 'http://roleport.invalid';
