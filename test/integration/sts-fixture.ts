/**
 * Shared set-up for the local STS's integration tests (test/integration/sts-*.test.ts): a
 * real broker whose STS listens on its own loopback port, its own issuer registered as
 * provider, roles with real trust policies, and small clients that speak the Query protocol
 * by hand where the AWS SDK would hide what is on the wire.
 */
import assert from 'node:assert/strict';
import { STSServiceException } from '@aws-sdk/client-sts';
import { SignJWT, type JWTPayload } from 'jose';
import type { Clock } from '../../src/core/index.ts';
import type { RoleportConfigInput } from '../../src/config/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';

export const ACCOUNT = '111111111111';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/DataScientist`;
export const AUDIENCE = 'sts.amazonaws.com';

export interface StsBroker {
  broker: TestBroker;
  /** The STS listener, e.g. `http://127.0.0.1:PORT` (what `--endpoint-url` gets). */
  stsUrl: string;
  issuer: string;
  /** `127.0.0.1:PORT`: the condition-key prefix and provider-ARN suffix of the issuer. */
  prefix: string;
  providerArn(account?: string): string;
  /** A token from the broker's own minting core. */
  mint(subject?: string, claims?: Record<string, unknown>, ttlSeconds?: number): Promise<string>;
  /** A token with any header and claims, signed with the broker's current signing key. */
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** Registers a role with the standard web identity trust policy (or the one given). */
  addRole(arn?: string, trustPolicy?: object, maxSessionDurationSeconds?: number): Promise<void>;
  /** Issued credentials in the database. */
  credentialCount(): Promise<number>;
  close(): Promise<void>;
}

export interface StartStsBrokerOptions {
  clock?: Clock;
  databaseUrl?: string;
  dataDir?: string;
  port?: number;
  sts?: Record<string, unknown>;
  config?: Partial<RoleportConfigInput>;
  /** Register the broker's issuer and the standard role (default true). */
  register?: boolean;
}

/** The trust policy `roleport aws trust-policy` generates: audience equals, subject like `user:*`. */
export function webIdentityTrustPolicy(prefix: string, providerArn: string, options: { actions?: string[]; subLike?: string; extraStatements?: object[] } = {}): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RoleportUsers',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: options.actions ?? 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${prefix}:aud`]: AUDIENCE },
          StringLike: { [`${prefix}:sub`]: options.subLike ?? 'user:*' },
        },
      },
      ...(options.extraStatements ?? []),
    ],
  };
}

export async function startStsBroker(options: StartStsBrokerOptions = {}): Promise<StsBroker> {
  const broker = await startTestBroker({
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.port === undefined ? {} : { port: options.port }),
    config: { ...options.config, sts: { enabled: true, listen: '127.0.0.1:0', ...options.sts } as RoleportConfigInput['sts'] },
  });
  const services = broker.app.services;
  const prefix = broker.issuer.replace(/^https?:\/\//, '');
  const providerArn = (account = ACCOUNT): string => `arn:aws:iam::${account}:oidc-provider/${prefix}`;
  const fixture: StsBroker = {
    broker,
    stsUrl: broker.app.stsUrl()!,
    issuer: broker.issuer,
    prefix,
    providerArn,
    mint: async (subject = 'user:alice', claims = {}, ttlSeconds) => (await services.mintToken({ subject, audience: AUDIENCE, claims, ttlSeconds, actor: 'test' })).token,
    async sign(claims, header = {}) {
      const key = services.keys.signingKey();
      return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
    },
    async addRole(arn = ROLE_ARN, trustPolicy, maxSessionDurationSeconds) {
      const account = arn.split(':')[4];
      await services.sts.registry.addRole({
        arn,
        trustPolicy: (trustPolicy ?? webIdentityTrustPolicy(prefix, providerArn(account))) as Record<string, unknown>,
        maxSessionDurationSeconds,
      });
    },
    credentialCount: () => services.repositories.stsCredentials.count(),
    close: () => broker.close(),
  };
  if (options.register !== false) {
    await services.sts.registry.addProvider({ url: broker.issuer, clientIds: [AUDIENCE] });
    await fixture.addRole();
  }
  return fixture;
}

/** Standard claims for a hand-signed token from this broker, valid now. */
export function claimsFor(issuer: string, nowSeconds: number, overrides: JWTPayload = {}): JWTPayload {
  return { iss: issuer, sub: 'user:alice', aud: AUDIENCE, iat: nowSeconds, nbf: nowSeconds, exp: nowSeconds + 600, jti: crypto.randomUUID(), ...overrides };
}

export interface QueryResult {
  status: number;
  body: string;
  requestId: string | null;
  /** `<Code>` of an error response. */
  code: string | undefined;
  message: string | undefined;
}

/** Reads one element's text from an XML document (the STS's responses are flat enough). */
export function xmlText(body: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(body);
  return match === null ? undefined : unescapeXml(match[1] as string);
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** POSTs Query parameters as the SDKs do (form-encoded, unsigned). */
export async function postQuery(url: string, params: Record<string, string>, init: { method?: 'POST' | 'GET'; headers?: Record<string, string> } = {}): Promise<QueryResult> {
  const form = new URLSearchParams(params).toString();
  const response =
    init.method === 'GET'
      ? await fetch(`${url}/?${form}`, { headers: init.headers })
      : await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...init.headers }, body: form });
  const body = await response.text();
  return { status: response.status, body, requestId: response.headers.get('x-amzn-requestid'), code: xmlText(body, 'Code'), message: xmlText(body, 'Message') };
}

export function assumeParams(token: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: ROLE_ARN, RoleSessionName: 'alice', WebIdentityToken: token, ...overrides };
}

/** The STS error an SDK call rejects with; fails the test if the call succeeds or fails otherwise. */
export async function stsRejection(promise: Promise<unknown>): Promise<STSServiceException> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof STSServiceException, `expected an STS error, got ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}
