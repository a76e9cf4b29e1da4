import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { RoleportError } from '../core/index.ts';
import type { BrokerClient } from './broker-client.ts';
import type { CliLoginResult } from './types.ts';

export interface LoopbackLoginOptions {
  client: BrokerClient;
  /**
   * Called once with the URL the user must open (print it, or hand it to a browser opener)
   * and the code the browser's consent page shows, which the user compares before confirming.
   */
  onLoginUrl: (url: string, userCode: string) => void;
  /** The name the consent page gives this machine (default: its host name). */
  device?: string | undefined;
  /** How long to wait for the browser to come back (default 5 minutes). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

// RFC 8628 §6.1: no vowels (no words), no look-alikes, upper case only.
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/** A short code for the user to compare between the terminal and the browser: `XXXX-XXXX`, 20^8 values. */
export function createUserCode(): string {
  const letters = [...randomBytes(8)].map((byte) => USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length]!);
  return `${letters.slice(0, 4).join('')}-${letters.slice(4).join('')}`;
}

/** The machine's name as the consent page may show it (a host name's characters, at most 64). */
function deviceName(): string | undefined {
  const name = hostname().replace(/[^A-Za-z0-9._-]/g, '').replace(/^[._-]+/, '').slice(0, 64);
  return name === '' ? undefined : name;
}

/** PKCE verifier and its S256 challenge (RFC 7636 §4.1–4.2). */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * `roleport login`'s flow: listens on `127.0.0.1:<random>/callback`, hands out the broker's
 * `/cli/login` URL (with `state`, a PKCE S256 challenge, a user code to compare and the
 * machine's name), waits for the redirect back with a one-time code — sent only after the
 * user confirms on the broker's consent page — checks `state`, and trades code + verifier
 * for a user API token.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see ../../docs/session-protocol.md
 */
export async function loginWithLoopbackRedirect(options: LoopbackLoginOptions): Promise<CliLoginResult> {
  const state = randomBytes(16).toString('base64url');
  const pkce = createPkcePair();
  const userCode = createUserCode();
  const device = options.device ?? deviceName();
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;

  let settle: { resolve: (value: CliLoginResult) => void; reject: (error: unknown) => void } | undefined;
  const outcome = new Promise<CliLoginResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let redirectUri = '';
  let handled = false;

  const server = createServer((request, response) => {
    void handleCallback(request, response);
  });

  async function handleCallback(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'GET' || url.pathname !== '/callback') {
      respond(response, 404, 'Not found.');
      return;
    }
    if (url.searchParams.get('state') !== state) {
      // Not our redirect (a stale tab, a forged link): refuse it and keep waiting for the real one.
      respond(response, 400, 'This sign-in link does not belong to the waiting roleport login. Start it again.');
      return;
    }
    if (handled) {
      respond(response, 409, 'This sign-in was already completed.');
      return;
    }
    handled = true;
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error !== null || code === null) {
      const description = url.searchParams.get('error_description') ?? error ?? 'no code in the redirect';
      showOutcome(response, options.client.baseUrl, error === 'access_denied' ? 'cancelled' : 'failed');
      settle?.reject(new RoleportError('ERR_UNAUTHENTICATED', `sign-in failed: ${description}`));
      return;
    }
    try {
      const result = await options.client.exchangeCliLoginCode({ code, codeVerifier: pkce.verifier, redirectUri });
      showOutcome(response, options.client.baseUrl, 'signed-in');
      settle?.resolve(result);
    } catch (exchangeError) {
      showOutcome(response, options.client.baseUrl, 'failed');
      settle?.reject(exchangeError);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const timer = setTimeout(() => settle?.reject(new RoleportError('ERR_SIGN_IN_TIMEOUT', `sign-in did not complete within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  const onAbort = (): void => settle?.reject(options.signal?.reason ?? new Error('aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { port } = server.address() as AddressInfo;
    redirectUri = `http://127.0.0.1:${port}/callback`;
    const loginUrl = new URL(`${options.client.baseUrl}/cli/login`);
    loginUrl.searchParams.set('redirect_uri', redirectUri);
    loginUrl.searchParams.set('state', state);
    loginUrl.searchParams.set('code_challenge', pkce.challenge);
    loginUrl.searchParams.set('user_code', userCode);
    if (device !== undefined) loginUrl.searchParams.set('device', device);
    options.onLoginUrl(loginUrl.href, userCode);
    return await outcome;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Sends the browser back to the broker's own page for the outcome (styled as the rest of the
 * web interface, with who is signed in there); the listener tells it nothing but the outcome.
 */
function showOutcome(response: ServerResponse, baseUrl: string, outcome: 'signed-in' | 'cancelled' | 'failed'): void {
  response.writeHead(303, { location: `${baseUrl}/cli/login/done?outcome=${outcome}`, 'cache-control': 'no-store', connection: 'close' });
  response.end();
}

function respond(response: ServerResponse, status: number, message: string): void {
  const escaped = message.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roleport sign-in</title></head><body><p>${escaped}</p></body></html>`);
}
