import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { buildTrustPolicy } from '../../src/aws/index.ts';
import { explainPolicy, type PolicyExplainOptions as ExplainFlags } from '../../src/cli/commands/policy.ts';
import type { ExplainResult } from '../../src/aws/index.ts';
import { ROLEPORT_BIN, runCli } from '../helpers/run-cli.ts';

/**
 * Explain ≡ STS. Hundreds of requests — trust policies (hand-written fixtures, the generator's
 * own output, and generated ones) × tokens × request shapes — go to one local STS process over
 * HTTP and through `roleport policy explain` (the CLI's own function; a sample through the real
 * CLI process), and every one must come out the same: credentials from both, or the same STS
 * error code. What the STS reads off the connection is given to both: the transport and the
 * caller's address reach the STS as a trusted proxy's X-Forwarded-Proto / X-Forwarded-For and
 * explain as --secure-transport / --source-ip. Cognito's built-in provider is the real host
 * name: the STS fetches https://cognito-identity.amazonaws.com through a loopback CONNECT proxy
 * (NODE_USE_ENV_PROXY) to a local TLS server whose certificate a test CA signs.
 */

const A1 = '111111111111';
const A2 = '222222222222';
const COGNITO = 'cognito-identity.amazonaws.com';
const COGNITO_URL = `https://${COGNITO}`;
const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';

type KeyName = 'rsa' | 'ec' | 'hs';
interface Keys {
  rsa: CryptoKey;
  ec: CryptoKey;
  publicJwks: JWK[];
}

interface RoleSpec {
  arn: string;
  account: string;
  policy: object;
  maxSessionDurationSeconds: number;
  tags: Record<string, string>;
  /** Written for explain. */
  policyFile: string;
}

interface Request {
  secure: boolean;
  sourceIp: string;
  sessionName: string;
  durationSeconds?: number;
}

interface Case {
  name: string;
  role: RoleSpec;
  token: string;
  /** The provider explain is told the token comes from: an ARN in the role's account, or Cognito's name. */
  provider: string;
  clientIds: readonly string[];
  request: Request;
}

function makeCa(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const file = (name: string): string => join(dir, name);
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=Roleport differential test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${COGNITO}`, '-keyout', file('server.key'), '-out', file('server.csr')]);
  writeFileSync(file('ext.cnf'), `subjectAltName=DNS:${COGNITO}\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('ext.cnf'), '-out', file('server.pem')]);
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

/** Discovery and JWKS for `issuer`, whatever path prefix it is served under. */
function serveProvider(issuer: string, jwks: JWK[]) {
  return (response: ServerResponse, path: string): boolean => {
    const send = (body: unknown): void => void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/.well-known/openid-configuration') send({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    else if (path === '/jwks') send({ keys: jwks });
    else return false;
    return true;
  };
}

const listen = (server: Server): Promise<number> => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('the local STS and policy explain give the same answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roleport-differential-'));
  let keys: Keys;
  let issuerServer: Server;
  let cognitoServer: Server;
  let proxy: Server;
  const tunnels = new Set<Socket>();
  let sts: ChildProcessWithoutNullStreams;
  let stsUrl: string;
  let stsLog = '';
  let base: string;
  const cases: Case[] = [];
  const roles = new Map<string, RoleSpec>();

  const p1 = (): string => `${base}/t1`;
  const p2 = (): string => `${base}/t2`;
  const CLIENTS: Record<string, readonly string[]> = {};

  before(async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ec = await generateKeyPair('ES256', { extractable: true });
    keys = {
      rsa: rsa.privateKey,
      ec: ec.privateKey,
      publicJwks: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    };

    issuerServer = createHttpServer((request, response) => {
      const url = request.url ?? '/';
      for (const tenant of ['t1', 't2']) {
        if (url.startsWith(`/${tenant}/`) && serveProvider(`${base}/${tenant}`, keys.publicJwks)(response, url.slice(tenant.length + 1))) return;
      }
      response.writeHead(404).end();
    });
    base = `http://127.0.0.1:${await listen(issuerServer)}`;
    CLIENTS[p1()] = ['sts.amazonaws.com', 'app-a'];
    CLIENTS[p2()] = ['sts.amazonaws.com'];
    CLIENTS[COGNITO_URL] = [POOL];

    const ca = makeCa(dir);
    const cognito = serveProvider(COGNITO_URL, keys.publicJwks);
    cognitoServer = createHttpsServer({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) }, (request, response) => {
      if (!cognito(response, request.url ?? '/')) response.writeHead(404).end();
    });
    const cognitoPort = await listen(cognitoServer);
    // The STS's fetch reaches Cognito's real host name only through this proxy, which knows no other host.
    proxy = createHttpServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request: IncomingMessage, client: Socket) => {
      if (request.url !== `${COGNITO}:443`) {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const upstream = connect(cognitoPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const socket of [client, upstream]) {
        tunnels.add(socket);
        socket.on('close', () => tunnels.delete(socket));
        socket.on('error', () => socket.destroy());
      }
    });
    const proxyPort = await listen(proxy);

    buildCases();

    const config = {
      log: { level: 'warn' },
      trustedProxies: ['127.0.0.1'],
      sts: {
        accountId: A1,
        providers: [p1(), p2(), COGNITO_URL].map((url) => ({ url, clientIds: [...CLIENTS[url]!] })),
        roles: [...roles.values()].map((role) => ({ arn: role.arn, trustPolicy: role.policy, maxSessionDurationSeconds: role.maxSessionDurationSeconds, tags: role.tags })),
      },
    };
    writeFileSync(join(dir, 'roleport.yaml'), JSON.stringify(config));
    sts = spawn(process.execPath, [ROLEPORT_BIN, 'sts', 'serve', '--port', '0', '--json'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ROLEPORT_CONFIG: join(dir, 'roleport.yaml'),
        ROLEPORT_DATA_DIR: join(dir, 'data'),
        NODE_USE_ENV_PROXY: '1',
        HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
        NO_PROXY: '127.0.0.1,localhost',
        NODE_EXTRA_CA_CERTS: ca.caFile,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    sts.stderr.setEncoding('utf8').on('data', (chunk: string) => (stsLog += chunk));
    const first = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: sts.stdout });
      lines.once('line', resolve);
      sts.once('exit', (code) => reject(new Error(`roleport sts serve exited ${String(code)}: ${stsLog}`)));
    });
    stsUrl = (JSON.parse(first) as { sts: string }).sts;
  });

  after(async () => {
    if (sts !== undefined && sts.exitCode === null) {
      sts.kill('SIGTERM');
      await new Promise((resolve) => sts.once('exit', resolve));
    }
    for (const socket of tunnels) socket.destroy();
    await Promise.all([issuerServer, cognitoServer, proxy].filter((server) => server !== undefined).map(close));
    rmSync(dir, { recursive: true, force: true });
  });

  function role(name: string, account: string, policy: object, options: { maxSessionDurationSeconds?: number; tags?: Record<string, string> } = {}): RoleSpec {
    const arn = `arn:aws:iam::${account}:role/differential/${name}`;
    const existing = roles.get(arn);
    if (existing !== undefined) return existing;
    const policyFile = join(dir, `${name}.json`);
    writeFileSync(policyFile, JSON.stringify(policy));
    const spec: RoleSpec = { arn, account, policy, maxSessionDurationSeconds: options.maxSessionDurationSeconds ?? 3600, tags: options.tags ?? {}, policyFile };
    roles.set(arn, spec);
    return spec;
  }

  /** Signs now; the STS and explain run within seconds of it, far from every skew boundary below. */
  function sign(claims: Record<string, unknown>, key: KeyName = 'rsa'): Promise<string> {
    const header = key === 'rsa' ? { alg: 'RS256', kid: 'rsa-1' } : key === 'ec' ? { alg: 'ES256', kid: 'ec-1' } : { alg: 'HS256', kid: 'rsa-1' };
    const jwt = new SignJWT(claims).setProtectedHeader(header);
    return key === 'hs' ? jwt.sign(new TextEncoder().encode('a shared secret STS must never accept, 32 bytes+')) : jwt.sign(key === 'rsa' ? keys.rsa : keys.ec);
  }

  const pending: Array<Promise<void>> = [];
  function add(name: string, spec: RoleSpec, claims: Record<string, unknown>, options: { key?: KeyName; request?: Partial<Request>; provider?: string } = {}): void {
    const iss = claims['iss'];
    const registered = typeof iss === 'string' && CLIENTS[iss] !== undefined;
    const issuerForExplain = registered ? (iss as string) : p1();
    const provider = options.provider ?? (issuerForExplain === COGNITO_URL ? COGNITO : `arn:aws:iam::${spec.account}:oidc-provider/${issuerForExplain.replace(/^https?:\/\//, '')}`);
    const request: Request = { secure: true, sourceIp: '10.1.2.3', sessionName: 'alice-session', ...options.request };
    const entry: Case = { name, role: spec, token: '', provider, clientIds: CLIENTS[issuerForExplain]!, request };
    cases.push(entry);
    pending.push(
      sign(claims, options.key).then((token) => {
        entry.token = token;
      }),
    );
  }

  /** Policies, tokens and requests. Each family names what it exercises. */
  function buildCases(): void {
    const now = Math.floor(Date.now() / 1000);
    const claimsOf = (issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
      const claims: Record<string, unknown> = { iss: issuer, sub: 'user:alice', aud: 'sts.amazonaws.com', iat: now - 30, exp: now + 900, jti: `j-${Math.random()}`, ...extra };
      for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
      return claims;
    };
    const prefix1 = p1().replace('http://', '');
    const prefix2 = p2().replace('http://', '');
    const federated = (account: string, prefix = prefix1): string => `arn:aws:iam::${account}:oidc-provider/${prefix}`;
    const allow = (account: string, condition: object, extra: Partial<Record<'Action' | 'Sid', unknown>> = {}, prefix = prefix1): object => ({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Allow', Effect: 'Allow', Principal: { Federated: federated(account, prefix) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition, ...extra }],
    });
    const k = (key: string): string => `${prefix1}:${key}`;

    // Fixtures: trust policies as admins write them (and as the generator writes them).
    const fixtures: Array<[string, (account: string) => object, { maxSessionDurationSeconds?: number; tags?: Record<string, string> }?]> = [
      ['generator', (account) => buildTrustPolicy({ roleName: 'R', issuer: p1(), account, audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}' }).policy],
      ['generator-tags', (account) => buildTrustPolicy({ roleName: 'R', issuer: p1(), account, audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}', sessionTags: true, sourceIdentity: true }).policy],
      ['aud-sub', (account) => allow(account, { StringEquals: { [k('aud')]: 'sts.amazonaws.com' }, StringLike: { [k('sub')]: 'user:*' } })],
      ['amr-any-mfa', (account) => allow(account, { 'ForAnyValue:StringEquals': { [k('amr')]: ['mfa', 'hwk'] } })],
      ['amr-all-like', (account) => allow(account, { 'ForAllValues:StringLike': { [k('amr')]: ['pwd', 'mfa', 'otp*'] } })],
      ['amr-single-op', (account) => allow(account, { StringEquals: { [k('amr')]: 'mfa' } })],
      ['azp-if-exists', (account) => allow(account, { StringEqualsIfExists: { [k('azp')]: 'app-a' } })],
      ['azp-not-if-exists', (account) => allow(account, { StringNotEqualsIfExists: { [k('azp')]: 'app-b' } })],
      ['null-azp', (account) => allow(account, { Null: { [k('azp')]: 'true' } })],
      ['not-null-amr', (account) => allow(account, { Null: { [k('amr')]: 'false' }, StringLike: { [k('sub')]: 'user:*' } })],
      ['tls-only', (account) => allow(account, { Bool: { 'aws:SecureTransport': 'true' } })],
      [
        'deny-plain-http',
        (account) => ({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Federated: federated(account) }, Action: 'sts:AssumeRoleWithWebIdentity' },
            { Sid: 'NoPlainHttp', Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          ],
        }),
      ],
      ['source-ip', (account) => allow(account, { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } })],
      ['not-source-ip', (account) => allow(account, { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })],
      ['role-tag-prod', (account) => allow(account, { StringEquals: { 'iam:ResourceTag/env': 'prod' } }), { tags: { env: 'prod' } }],
      ['role-tag-dev', (account) => allow(account, { StringEquals: { 'aws:ResourceTag/env': 'prod' } }), { tags: { env: 'dev' } }],
      ['session-name', (account) => allow(account, { StringLike: { 'sts:RoleSessionName': 'alice*' } })],
      ['session-name-variable', (account) => allow(account, { StringLike: { [k('sub')]: 'user:${sts:RoleSessionName}' } })],
      ['federated-provider', (account) => allow(account, { StringEquals: { 'aws:FederatedProvider': federated(account) } })],
      ['time-window', (account) => allow(account, { DateLessThan: { 'aws:CurrentTime': '2999-01-01T00:00:00Z' }, NumericGreaterThan: { 'aws:EpochTime': '1700000000' } })],
      ['time-expired-window', (account) => allow(account, { DateGreaterThan: { 'aws:CurrentTime': '2999-01-01T00:00:00Z' } })],
      [
        'explicit-deny-mallory',
        (account) => ({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Federated: federated(account) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [k('aud')]: ['sts.amazonaws.com', 'app-a'] } } },
            { Sid: 'NoMallory', Effect: 'Deny', Principal: { Federated: federated(account) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [k('sub')]: '*mallory*' } } },
          ],
        }),
      ],
      ['aud-app-a', (account) => allow(account, { StringEquals: { [k('aud')]: 'app-a' } })],
      ['other-account-principal', () => allow(A2, { StringEquals: { [k('aud')]: 'sts.amazonaws.com' } })],
      ['other-provider', (account) => allow(account, { StringEquals: { [`${prefix2}:aud`]: 'sts.amazonaws.com' } }, {}, prefix2)],
      ['tag-session', (account) => allow(account, { StringEquals: { 'aws:RequestTag/team': 'data' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'cc'] } }, { Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] })],
      ['tag-session-any', (account) => allow(account, { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'te*' } }, { Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] })],
      ['source-identity', (account) => allow(account, { StringLikeIfExists: { 'sts:SourceIdentity': 'alice*' } }, { Action: ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity'] })],
      ['not-action', (account) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: federated(account) }, NotAction: 'sts:AssumeRole', Condition: { StringEquals: { [k('aud')]: 'sts.amazonaws.com' } } }] })],
      ['principal-star', () => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEqualsIgnoreCase: { [k('sub')]: 'USER:ALICE' } } }] })],
      ['long-session', (account) => allow(account, { StringEquals: { [k('aud')]: 'sts.amazonaws.com' } }), { maxSessionDurationSeconds: 7200 }],
    ];

    // Tokens: each varies one thing the STS checks or a policy tests.
    const variants: Array<[string, Record<string, unknown>, KeyName?]> = [
      ['valid', {}],
      ['mallory', { sub: 'user:mallory' }],
      ['amr-mfa', { amr: ['pwd', 'mfa'] }],
      ['amr-string', { amr: 'pwd' }],
      ['amr-otp', { amr: ['otp-sms'] }],
      ['azp-array-aud', { aud: ['sts.amazonaws.com', 'app-a'], azp: 'app-a' }],
      ['azp-single', { azp: 'app-b' }],
      ['array-aud-no-azp', { aud: ['sts.amazonaws.com', 'app-a'] }],
      ['azp-not-in-aud', { aud: ['sts.amazonaws.com', 'app-a'], azp: 'app-c' }],
      ['aud-unregistered', { aud: 'someone-else' }],
      ['expired', { iat: now - 7200, exp: now - 400 }],
      ['expired-within-skew', { iat: now - 7200, exp: now - 150 }],
      ['issued-in-future', { iat: now + 900 }],
      ['not-yet-valid', { nbf: now + 900 }],
      ['no-sub', { sub: undefined }],
      ['tags', { 'https://aws.amazon.com/tags': { principal_tags: { team: ['data'], cc: ['42'] }, transitive_tag_keys: ['team'] } }],
      ['source-identity', { 'https://aws.amazon.com/source_identity': 'alice' }],
      ['es256', {}, 'ec'],
      ['hs256', {}, 'hs'],
    ];

    for (const [family, policyOf, options] of fixtures) {
      for (const account of [A1, A2]) {
        const spec = role(`${family}-${account}`, account, policyOf(account), options);
        for (const [variant, extra, key] of variants) {
          // Both accounts for the valid token; one account for the rest keeps the count sane.
          if (account === A2 && variant !== 'valid' && variant !== 'mallory') continue;
          add(`${family} (${account}) × ${variant}`, spec, claimsOf(p1(), extra), { key: key ?? 'rsa' });
        }
      }
    }

    // Requests: transport, address, session name, duration — over a few policies.
    const requests: Array<[string, Partial<Request>]> = [
      ['plain http', { secure: false }],
      ['another address', { sourceIp: '203.0.113.7' }],
      ['ipv6 address', { sourceIp: '2001:db8::7' }],
      ['bad session name', { sessionName: 'alice session' }],
      ['one-character session name', { sessionName: 'a' }],
      ['bob session', { sessionName: 'bob-session' }],
      ['duration 7200', { durationSeconds: 7200 }],
      ['duration 900', { durationSeconds: 900 }],
      ['duration 600', { durationSeconds: 600 }],
      ['duration 43201', { durationSeconds: 43201 }],
    ];
    for (const family of ['tls-only', 'deny-plain-http', 'source-ip', 'not-source-ip', 'session-name', 'session-name-variable', 'aud-sub', 'long-session', 'time-window']) {
      const spec = roles.get(`arn:aws:iam::${A1}:role/differential/${family}-${A1}`)!;
      for (const [label, request] of requests) add(`${family} × ${label}`, spec, claimsOf(p1()), { request });
    }

    // Over the limits: 51 session tags are PackedPolicyTooLarge for both.
    const manyTags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ['v']]));
    for (const family of ['tag-session', 'tag-session-any', 'aud-sub']) {
      add(`${family} × 51 session tags`, roles.get(`arn:aws:iam::${A1}:role/differential/${family}-${A1}`)!, claimsOf(p1(), { 'https://aws.amazon.com/tags': { principal_tags: manyTags } }));
    }

    // Issuers: the other registered provider, and an unregistered one (explained, as an admin
    // would, against the provider the role trusts: explain knows no registry, --provider is it).
    for (const family of ['aud-sub', 'other-provider']) {
      const spec = roles.get(`arn:aws:iam::${A1}:role/differential/${family}-${A1}`)!;
      add(`${family} × token of provider t2`, spec, claimsOf(p2()));
      add(`${family} × token of an unregistered issuer`, spec, claimsOf(`${base}/unregistered`));
    }

    // Cognito: the built-in provider, named bare.
    const cognitoPolicy = (amrPattern: string): object => ({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: COGNITO },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${COGNITO}:aud`]: POOL }, 'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: amrPattern } },
        },
      ],
    });
    const cognitoRoles = [role('cognito-authenticated', A1, cognitoPolicy('authenticated')), role('cognito-unauthenticated', A2, cognitoPolicy('unauthenticated')), role('cognito-google', A1, cognitoPolicy('accounts.google.com'))];
    const cognitoClaims = (extra: Record<string, unknown> = {}): Record<string, unknown> => claimsOf(COGNITO_URL, { aud: POOL, sub: 'us-east-1:7e1b9c1e-0000-4000-8000-000000000001', amr: ['authenticated', 'accounts.google.com'], ...extra });
    for (const spec of cognitoRoles) {
      add(`${spec.arn} × Cognito authenticated via Google`, spec, cognitoClaims());
      add(`${spec.arn} × Cognito unauthenticated`, spec, cognitoClaims({ amr: ['unauthenticated'] }));
      add(`${spec.arn} × Cognito, another pool`, spec, cognitoClaims({ aud: 'us-east-1:99999999-2222-3333-4444-555555555555' }));
      add(`${spec.arn} × Cognito, expired`, spec, cognitoClaims({ iat: now - 7200, exp: now - 400 }));
      add(`${spec.arn} × Cognito over plain http`, spec, cognitoClaims(), { request: { secure: false } });
    }
    // A generic provider's token against a Cognito role, and Cognito's against a generic role.
    add('cognito role × token of provider t1', cognitoRoles[0]!, claimsOf(p1()));
    add('aud-sub × Cognito token', roles.get(`arn:aws:iam::${A1}:role/differential/aud-sub-${A1}`)!, cognitoClaims());
  }

  async function askSts(c: Case): Promise<string> {
    const form = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: c.role.arn, RoleSessionName: c.request.sessionName, WebIdentityToken: c.token });
    if (c.request.durationSeconds !== undefined) form.set('DurationSeconds', String(c.request.durationSeconds));
    const response = await fetch(stsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': c.request.secure ? 'https' : 'http', 'x-forwarded-for': c.request.sourceIp },
      body: form.toString(),
    });
    const xml = await response.text();
    if (response.status === 200) {
      assert.match(xml, /<AccessKeyId>ASIA/, xml);
      return 'success';
    }
    const code = /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
    assert.ok(code !== undefined, xml);
    return code;
  }

  function flagsOf(c: Case, tokenFile: string): ExplainFlags {
    return {
      policy: c.role.policyFile,
      token: tokenFile,
      provider: c.provider,
      clientId: [...c.clientIds],
      sessionName: c.request.sessionName,
      secureTransport: String(c.request.secure),
      sourceIp: c.request.sourceIp,
      maxSessionDuration: String(c.role.maxSessionDurationSeconds),
      ...(c.request.durationSeconds === undefined ? {} : { durationSeconds: String(c.request.durationSeconds) }),
      ...(Object.keys(c.role.tags).length === 0 ? {} : { roleTag: Object.entries(c.role.tags).map(([key, value]) => `${key}=${value}`) }),
    };
  }

  const argsOf = (flags: ExplainFlags): string[] => [
    'policy',
    'explain',
    '--policy',
    flags.policy!,
    '--token',
    flags.token!,
    '--provider',
    flags.provider!,
    ...flags.clientId!.flatMap((id) => ['--client-id', id]),
    '--session-name',
    flags.sessionName!,
    '--secure-transport',
    flags.secureTransport!,
    '--source-ip',
    flags.sourceIp!,
    '--max-session-duration',
    flags.maxSessionDuration!,
    ...(flags.durationSeconds === undefined ? [] : ['--duration-seconds', flags.durationSeconds]),
    ...(flags.roleTag ?? []).flatMap((tag) => ['--role-tag', tag]),
    '--json',
  ];

  const outcomeOf = (result: { sts: ExplainResult['sts'] }): string => (result.sts.outcome === 'success' ? 'success' : result.sts.code);

  test('hundreds of requests: the same answer from the STS over HTTP and from explain, case by case', async () => {
    await Promise.all(pending);
    assert.ok(cases.length >= 300, `${cases.length} cases`);
    const mismatches: string[] = [];
    const seen = new Map<string, number>();
    for (const [index, c] of cases.entries()) {
      const tokenFile = join(dir, `token-${index}.jwt`);
      writeFileSync(tokenFile, c.token);
      const sts = await askSts(c);
      const explained = explainPolicy(flagsOf(c, tokenFile)).result as ExplainResult;
      const explain = outcomeOf(explained);
      seen.set(sts, (seen.get(sts) ?? 0) + 1);
      if (sts !== explain) mismatches.push(`${c.name}: STS ${sts}, explain ${explain} (${explained.sts.outcome === 'error' ? explained.sts.message : 'allow'})`);
      else if (sts === 'success' && explained.decision !== 'allow') mismatches.push(`${c.name}: STS issued credentials, explain's trust decision is ${explained.decision}`);
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${cases.length} cases disagree:\n${mismatches.join('\n')}\n${stsLog}`);
    // The cases cover every answer that matters, not just one.
    for (const code of ['success', 'AccessDenied', 'InvalidIdentityToken', 'ExpiredTokenException', 'ValidationError', 'PackedPolicyTooLarge']) {
      assert.ok((seen.get(code) ?? 0) > 0, `no case answered ${code}: ${JSON.stringify([...seen])}`);
    }
    assert.ok((seen.get('success') ?? 0) >= 50 && (seen.get('AccessDenied') ?? 0) >= 50, JSON.stringify([...seen]));
  });

  test('a sample through the real CLI process answers as the STS does', async () => {
    await Promise.all(pending);
    const picks = ['generator (111111111111) × valid', 'tls-only × plain http', 'source-ip × another address', 'aud-sub × duration 7200', 'aud-sub (111111111111) × expired', 'azp-if-exists (111111111111) × azp-array-aud', 'aud-sub × bad session name'];
    const sample = [...cases.filter((c) => picks.includes(c.name)), ...cases.filter((c) => c.name.includes('Cognito authenticated via Google')).slice(0, 2)];
    assert.equal(sample.length, picks.length + 2, sample.map((c) => c.name).join(', '));
    for (const [index, c] of sample.entries()) {
      const tokenFile = join(dir, `cli-token-${index}.jwt`);
      writeFileSync(tokenFile, c.token);
      const run = await runCli(argsOf(flagsOf(c, tokenFile)));
      assert.equal(run.code, 0, `${c.name}: ${run.stderr}`);
      const explained = JSON.parse(run.stdout) as ExplainResult;
      assert.equal(outcomeOf(explained), await askSts(c), c.name);
    }
  });
});
