import { createHash } from 'node:crypto';
import type { Clock, EventSink } from '../core/index.ts';
import { RoleportError, constantTimeEqual, invalidInput, randomId } from '../core/index.ts';
import type { CliLoginCodeRepository } from '../store/index.ts';
import { hashCredential } from './credentials.ts';
import type { CreatedUserToken, UserTokens } from './user-tokens.ts';

export interface CliLoginRequest {
  redirectUri: string;
  state: string;
  codeChallenge: string;
  /** The short code `roleport login` prints; the consent page shows it for the user to compare. */
  userCode: string;
  /** The name the CLI's machine gives itself (unverified: shown as such). */
  device: string | undefined;
}

export interface RedeemCliLoginOptions {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

export interface CliLoginDeps {
  repository: CliLoginCodeRepository;
  userTokens: UserTokens;
  events: EventSink;
  clock: Clock;
  codeTtlSeconds: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const STATE = /^[\x21-\x7e]{1,512}$/;
// RFC 8628 §6.1: short, upper case, no vowels or look-alikes; the CLI draws it, the page shows it.
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;
const DEVICE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks the query of `/cli/login`: a loopback `http://` redirect URI (RFC 8252 §7.3: any
 * port, since the CLI listens on a random one), a `state`, an S256 code challenge, the user
 * code the CLI printed and, optionally, the name of its machine. Anything else is refused
 * before the user is even asked to sign in.
 */
export function validateCliLoginRequest(query: {
  redirect_uri?: unknown;
  state?: unknown;
  code_challenge?: unknown;
  code_challenge_method?: unknown;
  user_code?: unknown;
  device?: unknown;
}): CliLoginRequest {
  const redirectUri = typeof query.redirect_uri === 'string' ? query.redirect_uri : '';
  if (!isLoopbackRedirect(redirectUri)) throw invalidInput('redirect_uri must be an http:// loopback address (127.0.0.1, [::1] or localhost) with a port');
  if (typeof query.state !== 'string' || !STATE.test(query.state)) throw invalidInput('state is missing or not printable ASCII');
  if (query.code_challenge_method !== undefined && query.code_challenge_method !== 'S256') throw invalidInput('code_challenge_method must be S256');
  if (typeof query.code_challenge !== 'string' || !CODE_CHALLENGE.test(query.code_challenge)) throw invalidInput('code_challenge must be the base64url SHA-256 of the code verifier (43 characters)');
  if (typeof query.user_code !== 'string' || !USER_CODE.test(query.user_code)) throw invalidInput('user_code must be the code roleport login printed (XXXX-XXXX); update the roleport CLI if it printed none');
  if (query.device !== undefined && query.device !== '' && (typeof query.device !== 'string' || !DEVICE.test(query.device))) throw invalidInput('device must be a host name of 1-64 letters, digits and ._-');
  const device = typeof query.device === 'string' && query.device !== '' ? query.device : undefined;
  return { redirectUri, state: query.state, codeChallenge: query.code_challenge, userCode: query.user_code, device };
}

export function isLoopbackRedirect(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && url.port !== '' && url.username === '' && url.password === '' && url.hash === '';
}

/** The URL the browser goes back to with a fresh one-time code. */
export function cliLoginRedirect(request: CliLoginRequest, code: string): string {
  const url = new URL(request.redirectUri);
  url.searchParams.set('code', code);
  url.searchParams.set('state', request.state);
  return url.href;
}

/** The URL the browser goes back to when the user refuses (RFC 6749 §4.1.2.1). */
export function cliLoginDeniedRedirect(request: CliLoginRequest): string {
  const url = new URL(request.redirectUri);
  url.searchParams.set('error', 'access_denied');
  url.searchParams.set('error_description', 'the sign-in was refused in the browser');
  url.searchParams.set('state', request.state);
  return url.href;
}

/**
 * The CLI's loopback sign-in (RFC 8252 with PKCE, RFC 7636): after the browser signs in, a
 * one-time code bound to the user, the redirect URI and the code challenge; the CLI redeems
 * it with the verifier for a user API token.
 */
export function createCliLogin(deps: CliLoginDeps) {
  return {
    async issueCode(userName: string, request: Pick<CliLoginRequest, 'redirectUri' | 'codeChallenge' | 'state'>): Promise<string> {
      const now = deps.clock.now();
      const code = randomId(32);
      await deps.repository.insert({
        code_hash: hashCredential(code),
        user_name: userName,
        redirect_uri: request.redirectUri,
        code_challenge: request.codeChallenge,
        created_at: now,
        expires_at: now + deps.codeTtlSeconds * 1000,
      });
      return code;
    },

    /** Trades a code for a user API token; any mismatch is `ERR_GRANT_INVALID` and the code is spent. */
    async redeem(options: RedeemCliLoginOptions): Promise<CreatedUserToken> {
      if (!CODE_VERIFIER.test(options.codeVerifier)) throw invalidInput('code_verifier must be 43-128 characters of [A-Za-z0-9._~-]');
      const row = await deps.repository.take(hashCredential(options.code));
      const invalid = (): RoleportError => new RoleportError('ERR_GRANT_INVALID', 'the login code is invalid, expired or already used');
      if (row === undefined || row.expires_at <= deps.clock.now()) throw invalid();
      if (row.redirect_uri !== options.redirectUri) throw invalid();
      const challenge = createHash('sha256').update(options.codeVerifier).digest('base64url');
      if (!constantTimeEqual(challenge, row.code_challenge)) throw invalid();
      const created = await deps.userTokens.create({ userName: row.user_name, actor: row.user_name, description: 'roleport login' });
      deps.events.record({ type: 'cli.login', actor: row.user_name, occurredAt: deps.clock.now(), userName: row.user_name, details: { token_id: created.id } });
      return created;
    },
  };
}

export type CliLogin = ReturnType<typeof createCliLogin>;
