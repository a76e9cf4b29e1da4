/**
 * Shared pieces of the SSO tests: a broker wired to a test IdP, a cookie jar for fetch, and a
 * headless sign-in through the real pages. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApplication, type Application } from '../../src/app.ts';
import { loadConfig, type RoleportConfigInput } from '../../src/config/index.ts';
import { createLogger } from '../../src/logger.ts';
import { freePort } from '../helpers/ports.ts';
import type { TestIdp } from '../helpers/test-idp.ts';

export const CLIENT_ID = 'roleport';
export const CLIENT_SECRET = 'roleport-sso-test-secret';

export interface SsoBroker {
  url: string;
  dataDir: string;
  app: Application;
  /** Every log line the broker's services wrote (JSON), for asserting warnings. */
  logLines: string[];
  close(): Promise<void>;
}

export interface SsoBrokerOptions {
  /** The IdP's issuer; the broker is its client `roleport` with `client_secret_basic` unless `sso` says otherwise. */
  idpIssuer: string;
  port: number;
  databaseUrl?: string;
  /** Shared by brokers that play replicas of one deployment (same database, same master key). */
  dataDir?: string;
  masterKey?: string;
  /** The public URL (issuer) when it is not this broker's own address: replicas behind one name. */
  publicUrl?: string;
  sso?: Record<string, unknown>;
}

/** Starts a real broker (createApplication, as `roleport serve`) with SSO pointed at `idpIssuer`. */
export async function startSsoBroker(options: SsoBrokerOptions): Promise<SsoBroker> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'roleport-sso-')));
  const url = `http://127.0.0.1:${options.port}`;
  const sso = { enabled: true, issuer: options.idpIssuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...options.sso };
  const config = loadConfig({
    env: {},
    overrides: {
      log: { level: 'silent' },
      listen: `127.0.0.1:${options.port}`,
      issuer: options.publicUrl ?? url,
      dataDir,
      databaseUrl: options.databaseUrl,
      masterKey: options.masterKey,
      sso: sso as RoleportConfigInput['sso'],
    },
  });
  const logLines: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void logLines.push(line) });
  const app = await createApplication(config, { logger, background: false });
  try {
    await app.listen();
  } catch (error) {
    await app.close();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dataDir,
    app,
    logLines,
    async close() {
      await app.close();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minimal cookie jar: name → value, honouring deletion (Max-Age=0 / Expires in the past). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', attributeValue = ''] = attribute.trim().split('=');
        return (key.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) || (key.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now());
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** fetch with the jar's cookies, never following redirects; stores what comes back. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...this.header(), ...(init.headers as Record<string, string> | undefined) } });
    this.store(response);
    return response;
  }
}

/** Signs in at the broker through the demo IdP's login form, as a browser without JavaScript would. */
export async function signInThroughDemoIdp(web: string, username: string, password: string): Promise<CookieJar> {
  const broker = new CookieJar();
  const idp = new CookieJar();
  let response = await broker.fetch(`${web}/login`);
  assert.equal(response.status, 303);
  let url = new URL(response.headers.get('location')!);
  for (let hop = 0; hop < 10 && url.origin !== new URL(web).origin; hop++) {
    response = await idp.fetch(url);
    if (response.status === 200) {
      const page = await response.text();
      assert.match(page, /Roleport demo IdP/);
      const action = /<form id="login-form" method="post" action="([^"]+)"/.exec(page)?.[1];
      assert.ok(action, 'the demo IdP shows its login form');
      response = await idp.fetch(new URL(action.replaceAll('&amp;', '&'), url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username, password }).toString(),
      });
    }
    assert.ok(response.status >= 300 && response.status < 400, `demo IdP answered ${response.status}`);
    url = new URL(response.headers.get('location')!, url);
  }
  response = await broker.fetch(url);
  assert.equal(response.status, 303, await response.clone().text());
  return broker;
}

/** Starts a sign-in at the broker: resolves with the IdP authorization URL (the login cookie is in the jar). */
export async function startSignIn(broker: SsoBroker, jar: CookieJar, returnTo?: string): Promise<URL> {
  const response = await jar.fetch(`${broker.url}/login${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`);
  if (response.status !== 303) throw new Error(`/login answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location')!);
}

/** The whole sign-in without a browser: broker → IdP login form → callback. Resolves with the callback's response. */
export async function signInHeadless(broker: SsoBroker, idp: TestIdp, jar: CookieJar, username: string, password = `${username}-password`): Promise<Response> {
  const authorizationUrl = await startSignIn(broker, jar);
  const callbackUrl = await idp.loginHeadless(authorizationUrl, username, password);
  return jar.fetch(callbackUrl);
}

/** The home page's HTML for the jar's session. */
export async function homePage(broker: SsoBroker, jar: CookieJar): Promise<string> {
  const response = await jar.fetch(`${broker.url}/`);
  if (response.status !== 200) throw new Error(`/ answered ${response.status}`);
  return response.text();
}

/** The role ARNs and sources listed on a home page, in order. */
export function rolesOnPage(page: string): { arn: string; source: string }[] {
  return [...page.matchAll(/<tr class="role" data-source="(\w+)">[\s\S]*?<td class="role-arn"><code>([^<]+)<\/code>/g)].map((match) => ({
    arn: match[2]!,
    source: match[1]!,
  }));
}

export { freePort };
