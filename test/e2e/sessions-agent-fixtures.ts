/**
 * Set-up shared by the agent's end-to-end tests (test/e2e/sessions-agent-*.test.ts): the
 * real broker signing users in at the real test IdP, the local STS on its own fixed port with
 * the demo roles trusting both issuers, and a broker that can be stopped and started again on
 * the same port and data (an outage). Not a test file itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoleportConfigInput } from '../../src/config/index.ts';
import { freePort } from '../helpers/ports.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { startTestIdp, type TestIdp, type TestIdpTtl } from '../helpers/test-idp.ts';
import { CookieJar } from '../integration/sso-fixtures.ts';

import { ANALYST, CLIENT_ID, DS, RO, registerStsRoles } from '../integration/sessions-fixtures.ts';

export { ANALYST, DS, RO };
const CLIENT_SECRET = 'roleport-agent-test-secret';

export interface AgentEnvOptions {
  idpTtl?: TestIdpTtl;
  /** Usernames with admin rights (default bob). */
  admins?: string[];
  config?: Partial<RoleportConfigInput>;
}

export interface AgentEnv {
  idp: TestIdp;
  /** The running broker (replaced by `restartBroker`). */
  broker(): TestBroker;
  url: string;
  stsUrl: string;
  /** Signs in through the IdP without a browser; the jar then holds the broker's session cookie. */
  signIn(username: string, jar?: CookieJar): Promise<CookieJar>;
  /** A user API token (`rpu_…`) minted on the store, as `roleport users token create` does. */
  userToken(username: string): Promise<string>;
  stopBroker(): Promise<void>;
  startBroker(): Promise<void>;
  close(): Promise<void>;
}

export async function startAgentEnv(options: AgentEnvOptions = {}): Promise<AgentEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), 'roleport-agent-e2e-'));
  const port = await freePort();
  const stsPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const idp = await startTestIdp({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${url}/auth/callback`] }],
    ...(options.idpTtl === undefined ? {} : { ttl: options.idpTtl }),
  });
  const start = (): Promise<TestBroker> =>
    startTestBroker({
      port,
      dataDir,
      config: {
        ...options.config,
        sso: { enabled: true, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
        admins: { users: options.admins ?? ['bob'] },
        sts: { enabled: true, listen: `127.0.0.1:${stsPort}` },
      },
    });
  let broker: TestBroker | undefined;
  try {
    broker = await start();
    await registerStsRoles(broker, idp.issuer);
  } catch (error) {
    await broker?.close();
    await idp.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const running = (): TestBroker => {
    if (broker === undefined) throw new Error('the broker is stopped');
    return broker;
  };
  return {
    idp,
    broker: running,
    url,
    stsUrl: running().app.stsUrl()!,
    async signIn(username, jar = new CookieJar()) {
      const login = await jar.fetch(`${url}/login`);
      if (login.status !== 303) throw new Error(`/login answered ${login.status}`);
      const callback = await idp.loginHeadless(login.headers.get('location')!, username, `${username}-password`);
      const done = await jar.fetch(callback);
      if (done.status !== 303) throw new Error(`the callback answered ${done.status}: ${await done.text()}`);
      return jar;
    },
    async userToken(username) {
      return (await running().app.services.sessions.userTokens.create({ userName: username, actor: 'test' })).token;
    },
    async stopBroker() {
      await broker?.close();
      broker = undefined;
    },
    async startBroker() {
      broker ??= await start();
    },
    async close() {
      await broker?.close();
      await idp.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 50 ms (real time) until it returns a value other than undefined. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export { CookieJar };
