/**
 * Shared set-up of the integrations tests (test/integration/integrations-*.test.ts and
 * test/e2e/integrations-*.test.ts): a real broker (createApplication, as `roleport serve`)
 * whose local STS is mounted at /sts and is also the STS of its credentials exchange, every
 * log line captured, admin and publisher API keys, and small clients for the API and the
 * exchange. Not a test file itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignJWT, type JWTPayload } from 'jose';
import { createApplication, type Application } from '../../src/app.ts';
import { loadConfig, type RoleportConfigInput } from '../../src/config/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { freePort } from '../helpers/ports.ts';

export const ACCOUNT = '111111111111';
/** Trusts the broker's issuer for `content:*` subjects, up to one hour. */
export const CONTENT_ROLE = `arn:aws:iam::${ACCOUNT}:role/ContentReader`;
export const EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const CONTENT_TOKEN_TYPE = 'urn:posit:connect:content-session-token';
export const USER_TOKEN_TYPE = 'urn:posit:connect:user-session-token';
export const AWS_CREDENTIALS_TYPE = 'urn:ietf:params:aws:token-type:credentials';
export const CREDENTIALS_PATH = '/__api__/v1/oauth/integrations/credentials';
export const INTEGRATIONS_PATH = '/__api__/v1/oauth/integrations';

export interface IntegrationsBrokerOptions {
  port?: number;
  /**
   * Serve published content on a content origin of its own: `http://localhost:PORT` (another
   * host name than the broker's 127.0.0.1), with loopback upstreams allowed.
   */
  contentOrigin?: boolean;
  clock?: Clock;
  databaseUrl?: string;
  config?: Partial<RoleportConfigInput>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export interface IntegrationsBroker {
  url: string;
  /** `<url>/sts`: the local STS, also the exchange's STS endpoint. */
  stsUrl: string;
  /** The content origin (`http://localhost:PORT`) when `contentOrigin` was asked for. */
  contentUrl: string | undefined;
  app: Application;
  dataDir: string;
  /** Every line the broker logged (HTTP and services), as written. */
  logLines: string[];
  adminKey: string;
  publisherKey: string;
  /** Calls the JSON API with `Authorization: Key <key>` (no key when `key` is null). */
  api(method: string, path: string, options?: { key?: string | null; body?: unknown }): Promise<ApiResponse>;
  /** POSTs the credentials exchange form-encoded, as the publishing server's SDKs do. */
  exchange(params: Record<string, string>): Promise<ApiResponse>;
  /** A token signed with the broker's current key, any claims (for expired or odd tokens). */
  sign(claims: JWTPayload): Promise<string>;
  /** Registers a role at the local STS. */
  addRole(arn: string, trustPolicy: object, maxSessionDurationSeconds?: number): Promise<void>;
  /** An admin puts content on an integration's access list (`PUT …/access`, keeping what is there). */
  grant(integrationGuid: string, contentGuid: string): Promise<void>;
  close(): Promise<void>;
}

export async function startIntegrationsBroker(options: IntegrationsBrokerOptions = {}): Promise<IntegrationsBroker> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'roleport-integrations-'));
  const contentPort = options.contentOrigin === true ? await freePort() : undefined;
  const contentUrl = contentPort === undefined ? undefined : `http://localhost:${contentPort}`;
  const config = loadConfig({
    env: {},
    overrides: {
      log: { level: 'trace' },
      ...options.config,
      listen: `127.0.0.1:${port}`,
      issuer: url,
      dataDir,
      databaseUrl: options.databaseUrl,
      sts: { enabled: true },
      integrations: { stsEndpoint: `${url}/sts`, ...options.config?.integrations },
      ...(contentPort === undefined
        ? {}
        : { content: { origin: contentUrl, listen: `127.0.0.1:${contentPort}`, upstreamAllowList: ['127.0.0.0/8'], ...options.config?.content } }),
    },
  });
  const logLines: string[] = [];
  let app: Application;
  try {
    app = await createApplication(config, { background: false, logDestination: { write: (line: string) => void logLines.push(line) }, ...(options.clock === undefined ? {} : { clock: options.clock }) });
    await app.listen();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const services = app.services;
  const prefix = url.replace(/^https?:\/\//, '');
  const addRole = async (arn: string, trustPolicy: object, maxSessionDurationSeconds?: number): Promise<void> => {
    await services.sts.registry.addRole({ arn, trustPolicy: trustPolicy as Record<string, unknown>, maxSessionDurationSeconds });
  };
  let adminKey: string;
  let publisherKey: string;
  try {
  await services.sts.registry.addProvider({ url, clientIds: ['sts.amazonaws.com'] });
  await addRole(CONTENT_ROLE, {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${prefix}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${prefix}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${prefix}:sub`]: 'content:*' } },
      },
    ],
  });
  adminKey = (await services.integrations.apiKeys.create({ name: 'test-admin', role: 'admin', actor: { name: 'test' } })).key;
  publisherKey = (await services.integrations.apiKeys.create({ name: 'test-publisher', role: 'publisher', actor: { name: 'test' } })).key;
  } catch (error) {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  const read = async (response: Response): Promise<ApiResponse> => {
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  };

  const broker: IntegrationsBroker = {
    url,
    stsUrl: `${url}/sts`,
    contentUrl,
    app,
    dataDir,
    logLines,
    adminKey,
    publisherKey,
    async api(method, path, callOptions = {}) {
      const key = callOptions.key === undefined ? adminKey : callOptions.key;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (key !== null) headers['authorization'] = `Key ${key}`;
      if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
      return read(await fetch(`${url}${path}`, { method, headers, body: callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body), signal: AbortSignal.timeout(30_000) }));
    },
    async exchange(params) {
      return read(
        await fetch(`${url}${CREDENTIALS_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params).toString(),
          signal: AbortSignal.timeout(30_000),
        }),
      );
    },
    async sign(claims) {
      const key = services.keys.signingKey();
      return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
    },
    addRole,
    async grant(integrationGuid, contentGuid) {
      const path = `${INTEGRATIONS_PATH}/${integrationGuid}/access`;
      const current = await broker.api('GET', path);
      if (current.status !== 200) throw new Error(`GET ${path}: ${current.status} ${current.text}`);
      const guids = [...(current.body as Array<{ content_guid: string }>).map((entry) => entry.content_guid), contentGuid];
      const granted = await broker.api('PUT', path, { body: guids.map((guid) => ({ content_guid: guid })) });
      if (granted.status !== 200) throw new Error(`PUT ${path}: ${granted.status} ${granted.text}`);
    },
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return broker;
}

/** The `access_token` of a successful exchange, decoded as the publishing server's SDK does. */
export function decodeAccessToken(accessToken: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string } {
  return JSON.parse(Buffer.from(accessToken, 'base64').toString('utf8')) as { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
}

/** `GetCallerIdentity` at the local STS with the given credentials (SigV4-signed by the AWS SDK). */
export async function callerIdentity(stsUrl: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) {
  const client = new STSClient({
    region: 'us-east-1',
    endpoint: stsUrl,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
  });
  try {
    return await client.send(new GetCallerIdentityCommand({}));
  } finally {
    client.destroy();
  }
}

/** A Service Account integration body in the publishing server's shape. */
export function serviceAccountBody(overrides: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    template: 'aws',
    name: 'reports-s3',
    description: 'Reports read S3 as themselves',
    config: { auth_type: 'Service Account', role_arn: CONTENT_ROLE, sts_region: 'us-east-1', session_duration: 3600, ...config },
    ...overrides,
  };
}

/** The client secret `viewerBody` sends (the tests look for it in logs and responses). */
export const VIEWER_CLIENT_SECRET = 'viewer-client-secret-9f3c1e77a2b4';

/** A Viewer integration body in the publishing server's shape, its IdP unreachable (nothing here signs a viewer in). */
export function viewerBody(config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    template: 'aws',
    name: 'viewer-s3',
    description: 'as the viewer',
    config: {
      auth_type: 'Viewer',
      auth_mode: 'Confidential',
      client_id: 'content-viewer',
      client_secret: VIEWER_CLIENT_SECRET,
      authorization_uri: 'http://127.0.0.1:9/auth',
      token_uri: 'http://127.0.0.1:9/token',
      token_endpoint_auth_method: 'client_secret_basic',
      scopes: 'openid offline_access',
      role_arn: CONTENT_ROLE,
      sts_region: 'eu-west-1',
      session_duration: 3600,
      use_pkce: true,
      ...config,
    },
  };
}
