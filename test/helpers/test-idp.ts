import type { IncomingMessage, ServerResponse } from 'node:http';
import { startOidcServer, type IdpClient, type IdpTtl, type IdpUser } from '../../src/demo-idp/index.ts';

/**
 * A real upstream OpenID Provider (`oidc-provider`) standing in for Okta or Entra ID in tests:
 * authorization code flow with PKCE, refresh-token rotation, a server-rendered login form,
 * automatic consent, demo users with AWS role claims, and switchable outages.
 *
 * The provider itself is `src/demo-idp/` (shared with `roleport dev`'s demo IdP); this
 * helper adds the outages, the headless login and the test users.
 */

/** A person who can sign in at the test IdP. */
export type TestIdpUser = IdpUser;

/**
 * A registered client. Snake_case fields are RFC 7591 client metadata passed to
 * `oidc-provider` as they are; camelCase fields are options of this helper.
 */
export type TestIdpClient = IdpClient;

/** Lifetimes in seconds. */
export type TestIdpTtl = IdpTtl;

export interface TestIdpOptions {
  clients: TestIdpClient[];
  /** Defaults to `demoUsers` (alice, bob, carol). */
  users?: TestIdpUser[];
  ttl?: TestIdpTtl;
  /** Names of claims that users may get later through `setUser`; the claims of `users` are always included. */
  extraClaimNames?: string[];
  /** Defaults to a free port. */
  port?: number;
}

/**
 * How the IdP misbehaves until set back to `none`, for every request (discovery, JWKS,
 * token, login):
 * - `down`: 503 Service Unavailable with `Connection: close`
 * - `html`: 200 with an HTML maintenance page where JSON is expected
 * - `reset`: the connection is destroyed without a response
 */
export type TestIdpOutage = 'none' | 'down' | 'html' | 'reset';

export interface TestIdp {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  issuer: string;
  /** Makes every following response fail in the given way, until `setOutage('none')`. */
  setOutage(kind: TestIdpOutage): void;
  /**
   * Follows `authorizationUrl` with plain fetch and a private cookie jar, submits the login
   * form, and resolves with the URL the IdP finally redirects to (the client's redirect URI
   * with `code` and `state`, or with `error` when the request was refused).
   * Rejects when the credentials are refused or the IdP answers something unexpected.
   */
  loginHeadless(authorizationUrl: string | URL, username: string, password: string): Promise<string>;
  /** Adds or replaces a user; tokens issued later (including on refresh) carry the new claims. */
  setUser(user: TestIdpUser): void;
  /** Removes a user; refreshing their tokens then fails with `invalid_grant`. */
  removeUser(username: string): void;
  close(): Promise<void>;
}

const alice: TestIdpUser = {
  username: 'alice',
  password: 'alice-password',
  email: 'alice@example.com',
  name: 'Alice Example',
  groups: ['data-science', 'engineering'],
  claims: {
    aws_role_arn: ['arn:aws:iam::111111111111:role/DataScientist', 'arn:aws:iam::222222222222:role/ReadOnly'],
    aws_role_session_name: 'alice',
  },
};

const bob: TestIdpUser = {
  username: 'bob',
  password: 'bob-password',
  email: 'bob@example.com',
  name: 'Bob Example',
  groups: ['analysts'],
  claims: {
    aws_role_arn: 'arn:aws:iam::111111111111:role/Analyst',
    aws_role_session_name: 'bob',
  },
};

const carol: TestIdpUser = {
  username: 'carol',
  password: 'carol-password',
  email: 'carol@example.com',
  name: 'Carol Example',
  groups: [],
  claims: {},
};

/** alice (two roles as an array), bob (one role as a string), carol (no role claim). */
export const demoUsers: readonly TestIdpUser[] = [alice, bob, carol];

/**
 * Starts an `oidc-provider` on `http://127.0.0.1:PORT`. Close it with `idp.close()`
 * (e.g. in node:test's `after`).
 */
export async function startTestIdp(options: TestIdpOptions): Promise<TestIdp> {
  let outage: TestIdpOutage = 'none';
  const server = await startOidcServer({
    clients: options.clients,
    users: options.users ?? demoUsers,
    ttl: options.ttl,
    extraClaimNames: options.extraClaimNames,
    port: options.port,
    loginForm: { name: 'test IdP' },
    intercept: (req, res) => {
      if (outage === 'none') return false;
      answerOutage(outage, req, res);
      return true;
    },
  });
  const { issuer } = server;
  return {
    issuer,
    setOutage(kind) {
      outage = kind;
      // Like a restarting server: clients must open new connections rather than reuse pooled ones.
      server.closeIdleConnections();
    },
    loginHeadless: (authorizationUrl, username, password) => loginHeadless(issuer, authorizationUrl, username, password),
    setUser: (user) => server.setUser(user),
    removeUser: (username) => server.removeUser(username),
    close: () => server.close(),
  };
}

// --- headless login --------------------------------------------------------------------------

const MAX_HOPS = 20;

async function loginHeadless(issuer: string, authorizationUrl: string | URL, username: string, password: string): Promise<string> {
  const cookies = new Map<string, string>();
  const origin = new URL(issuer).origin;
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | undefined;
  let submitted = false;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (url.origin !== origin) return url.href;
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(cookies.size > 0 ? { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
    storeCookies(cookies, response.headers.getSetCookie());
    form = undefined;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const body = await response.text();
    const action = /<form id="login-form" method="post" action="([^"]+)"/.exec(body)?.[1];
    if (response.status === 200 && action && !submitted) {
      url = new URL(htmlUnescape(action), url);
      form = new URLSearchParams({ username, password });
      submitted = true;
      continue;
    }
    if (action && body.includes('id="login-error"')) {
      throw new Error(`test IdP refused the credentials of ${JSON.stringify(username)}`);
    }
    throw new Error(`test IdP answered ${response.status} at ${url.pathname}: ${textOf(body).slice(0, 500)}`);
  }
  throw new Error(`test IdP login did not finish within ${MAX_HOPS} redirects`);
}

function storeCookies(cookies: Map<string, string>, setCookies: string[]): void {
  for (const header of setCookies) {
    const [pair = '', ...attributes] = header.split(';');
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', attributeValue = ''] = attribute.trim().split('=');
      const lower = key.toLowerCase();
      return (lower === 'max-age' && Number(attributeValue) <= 0) || (lower === 'expires' && Date.parse(attributeValue) <= Date.now());
    });
    if (expired || value === '') cookies.delete(name);
    else cookies.set(name, value);
  }
}

// --- outages ---------------------------------------------------------------------------------

const OUTAGE_PAGE =
  '<!doctype html><html><head><title>Scheduled maintenance</title></head><body><h1>We will be back soon</h1></body></html>';

function answerOutage(outage: Exclude<TestIdpOutage, 'none'>, req: IncomingMessage, res: ServerResponse): void {
  switch (outage) {
    case 'reset':
      req.socket.destroy();
      return;
    case 'down':
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close', 'retry-after': '30' });
      res.end('Service Unavailable');
      return;
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(OUTAGE_PAGE);
  }
}

// --- plumbing ------------------------------------------------------------------------------------

const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

function htmlUnescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => HTML_ENTITIES[entity] ?? entity);
}

function textOf(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
}
