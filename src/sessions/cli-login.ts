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

/**
 * Checks the query of `/cli/login`: a loopback `http://` redirect URI (RFC 8252 §7.3: any
 * port, since the CLI listens on a random one), a `state`, and an S256 code challenge.
 * Anything else is refused before the user is even asked to sign in.
 */
export function validateCliLoginRequest(query: { redirect_uri?: unknown; state?: unknown; code_challenge?: unknown; code_challenge_method?: unknown }): CliLoginRequest {
  const redirectUri = typeof query.redirect_uri === 'string' ? query.redirect_uri : '';
  if (!isLoopbackRedirect(redirectUri)) throw invalidInput('redirect_uri must be an http:// loopback address (127.0.0.1, [::1] or localhost) with a port');
  if (typeof query.state !== 'string' || !STATE.test(query.state)) throw invalidInput('state is missing or not printable ASCII');
  if (query.code_challenge_method !== undefined && query.code_challenge_method !== 'S256') throw invalidInput('code_challenge_method must be S256');
  if (typeof query.code_challenge !== 'string' || !CODE_CHALLENGE.test(query.code_challenge)) throw invalidInput('code_challenge must be the base64url SHA-256 of the code verifier (43 characters)');
  return { redirectUri, state: query.state, codeChallenge: query.code_challenge };
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

/**
 * The CLI's loopback sign-in (RFC 8252 with PKCE, RFC 7636): after the browser signs in, a
 * one-time code bound to the user, the redirect URI and the code challenge; the CLI redeems
 * it with the verifier for a user API token.
 */
export function createCliLogin(deps: CliLoginDeps) {
  return {
    async issueCode(userName: string, request: CliLoginRequest): Promise<string> {
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
