/**
 * Shared set-up of the sessions tests (test/integration/sessions-*.test.ts and
 * test/e2e/sessions-web-*.test.ts): a real broker signing users in at a real test IdP, with
 * admins configured and optionally the local STS on its own port, plus a headless sign-in
 * and the few page-scraping helpers the tests share. Not a test file itself.
 */
import { buildTrustPolicy } from '../../src/aws/index.ts';
import type { RoleportConfigInput } from '../../src/config/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { freePort } from '../helpers/ports.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { startTestIdp, type TestIdp, type TestIdpTtl } from '../helpers/test-idp.ts';
import { CookieJar } from './sso-fixtures.ts';

export const DS = 'arn:aws:iam::111111111111:role/DataScientist';
export const RO = 'arn:aws:iam::222222222222:role/ReadOnly';
export const ANALYST = 'arn:aws:iam::111111111111:role/Analyst';
export const CLIENT_ID = 'roleport';
export const CLIENT_SECRET = 'roleport-sessions-test-secret';
export const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const CREDENTIAL_TYPE = 'urn:roleport:params:oauth:token-type:session-credential';

export interface SessionsEnvOptions {
  /** Usernames with admin rights (default: bob). */
  admins?: string[];
  /** Run the local STS on its own loopback port and register both issuers and the demo roles. */
  sts?: boolean;
  idpTtl?: TestIdpTtl;
  clock?: Clock;
  databaseUrl?: string;
  config?: Partial<RoleportConfigInput>;
}

export interface SessionsEnv {
  idp: TestIdp;
  broker: TestBroker;
  url: string;
  /** The local STS's URL (with `sts: true`). */
  stsUrl: string | undefined;
  /** Signs `username` in through the IdP without a browser; the jar then holds the broker's session cookie. */
  signIn(username: string, jar?: CookieJar): Promise<CookieJar>;
  close(): Promise<void>;
}

export async function startSessionsEnv(options: SessionsEnvOptions = {}): Promise<SessionsEnv> {
  const port = await freePort();
  const idp = await startTestIdp({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${port}/auth/callback`] }],
    ...(options.idpTtl === undefined ? {} : { ttl: options.idpTtl }),
  });
  let broker: TestBroker;
  try {
    broker = await startTestBroker({
      port,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
      config: {
        ...options.config,
        sso: { enabled: true, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
        admins: { users: options.admins ?? ['bob'] },
        ...(options.sts === true ? { sts: { enabled: true, listen: '127.0.0.1:0' } } : {}),
      },
    });
  } catch (error) {
    await idp.close();
    throw error;
  }
  if (options.sts === true) await registerStsRoles(broker, idp.issuer);
  const url = broker.url;
  return {
    idp,
    broker,
    url,
    stsUrl: broker.app.stsUrl(),
    async signIn(username, jar = new CookieJar()) {
      const start = await jar.fetch(`${url}/login`);
      if (start.status !== 303) throw new Error(`/login answered ${start.status}`);
      const callback = await idp.loginHeadless(start.headers.get('location')!, username, `${username}-password`);
      const done = await jar.fetch(callback);
      if (done.status !== 303) throw new Error(`the callback answered ${done.status}: ${await done.text()}`);
      return jar;
    },
    async close() {
      await broker.close();
      await idp.close();
    },
  };
}

/**
 * Registers the broker's issuer (audience sts.amazonaws.com) and the IdP (audience = the
 * broker's client id) as OIDC providers of the local STS, and the demo roles trusting both,
 * with session tags and source identity allowed — for broker tokens, the trust policy
 * `roleport aws trust-policy` generates (its `:sub` pins the role), for viewer tokens the IdP
 * and audience only (the IdP's tokens name no role).
 */
export async function registerStsRoles(broker: TestBroker, idpIssuer: string): Promise<void> {
  const { sts, config } = broker.app.services;
  const idpPrefix = idpIssuer.replace(/^https?:\/\//, '');
  await sts.registry.addProvider({ url: broker.issuer, clientIds: ['sts.amazonaws.com'] });
  await sts.registry.addProvider({ url: idpIssuer, clientIds: [CLIENT_ID] });
  for (const arn of [DS, RO, ANALYST]) {
    const [, , , , account, resource] = arn.split(':') as [string, string, string, string, string, string];
    const generated = buildTrustPolicy({
      roleName: resource.slice('role/'.length),
      account,
      issuer: broker.issuer,
      audience: 'sts.amazonaws.com',
      subjectTemplate: config.tokens.subjectTemplate,
      sessionTags: true,
      sourceIdentity: true,
    });
    await sts.registry.addRole({
      arn,
      maxSessionDurationSeconds: 43200,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          ...generated.policy.Statement,
          {
            Sid: 'ViewerSessions',
            Effect: 'Allow',
            Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${idpPrefix}` },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`${idpPrefix}:aud`]: CLIENT_ID } },
          },
        ],
      },
    });
  }
}

/** The CSRF token of the first form on a page. */
export function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (match === null) throw new Error('no CSRF field on the page');
  return match[1]!;
}

/** Posts a form with the jar's cookies (no redirect following). */
export function postForm(jar: CookieJar, url: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(key, v);
  return jar.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form.toString() });
}

/**
 * The user's part of `/cli/login` in a signed-in jar: opens the consent page, checks it shows
 * `userCode` when given, and confirms with the page's own form. Resolves with the answer (a
 * 303 to the CLI's loopback listener).
 */
export async function confirmCliLogin(jar: CookieJar, loginUrl: string, userCode?: string): Promise<Response> {
  const consent = await jar.fetch(loginUrl);
  const page = await consent.text();
  if (consent.status !== 200) throw new Error(`/cli/login answered ${consent.status}: ${page}`);
  const shown = /id="user-code">([^<]+)</.exec(page)?.[1];
  if (userCode !== undefined && shown !== userCode) throw new Error(`the consent page shows ${String(shown)}, the CLI printed ${userCode}`);
  const fields: Record<string, string> = { decision: 'allow' };
  for (const match of page.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) fields[match[1]!] = decodeEntities(match[2]!);
  return postForm(jar, new URL('/cli/login', loginUrl).href, fields);
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_entity, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!);
}

/** Exchanges a session credential at POST /oauth/token. */
export async function exchangeToken(url: string, credential: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE, ...extra }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export { CookieJar };
