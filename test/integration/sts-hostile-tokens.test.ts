import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { AUDIENCE, assumeParams, claimsFor, postQuery, startStsBroker, webIdentityTrustPolicy, xmlText, type StsBroker } from './sts-fixture.ts';

/**
 * Hostile and broken web identity tokens, each refused with the error code AWS gives, and
 * none of them leaving anything stored. A local server counts every request it gets, to
 * prove that `jku` / `x5u` / `jwk` headers are never followed; it also plays a second,
 * ES256 identity provider.
 */
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

interface CountingServer {
  url: string;
  hits: string[];
  server: Server;
}

async function startCountingServer(documents: Map<string, unknown>): Promise<CountingServer> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    const document = documents.get(request.url ?? '');
    if (document === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

describe('hostile web identity tokens', () => {
  let sts: StsBroker;
  let attacker: CountingServer;
  let foreign: { privateKey: CryptoKey; publicKey: CryptoKey };
  let stored: number;

  before(async () => {
    sts = await startStsBroker({ sts: { maxTokenAgeSeconds: 3600 } });
    foreign = await generateKeyPair('RS256', { extractable: true });
    attacker = await startCountingServer(new Map([['/keys', { keys: [{ ...(await exportJWK(foreign.publicKey)), kid: 'attacker', alg: 'RS256', use: 'sig' }] }]]));
    stored = await sts.credentialCount();
  });
  after(async () => {
    const count = await sts?.credentialCount();
    attacker?.server.close();
    await sts?.close();
    assert.equal(count, stored, 'no refused token left credentials behind');
  });

  const signForeign = (claims: JWTPayload, header: Record<string, unknown>): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header }).sign(foreign.privateKey);

  const refused: Array<{ name: string; token: () => Promise<string>; code: string; message: RegExp }> = [
    {
      name: 'alg none',
      token: async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsFor(sts.issuer, now()))}.`,
      code: 'InvalidIdentityToken',
      message: /^Unsupported token signing algorithm "none"/,
    },
    {
      name: 'HS256 signed with the provider\'s public key as the secret',
      token: async () => {
        const key = sts.broker.app.services.keys.signingKey();
        const publicPem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' });
        return new SignJWT(claimsFor(sts.issuer, now())).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(Buffer.from(publicPem));
      },
      code: 'InvalidIdentityToken',
      message: /^Unsupported token signing algorithm "HS256"/,
    },
    {
      name: 'PS256, an RSA algorithm STS does not accept, with the real key',
      token: () => sts.sign(claimsFor(sts.issuer, now()), { alg: 'PS256' }),
      code: 'InvalidIdentityToken',
      message: /^Unsupported token signing algorithm "PS256"/,
    },
    {
      name: 'a key not in the JWKS, claiming a published kid',
      token: () => signForeign(claimsFor(sts.issuer, now()), { kid: sts.broker.app.services.keys.signingKey().kid }),
      code: 'InvalidIdentityToken',
      message: /signature could not be verified/,
    },
    {
      name: 'a kid not in the JWKS',
      token: () => signForeign(claimsFor(sts.issuer, now()), { kid: 'not-published' }),
      code: 'InvalidIdentityToken',
      message: /No key in the identity provider's JWKS matches the web identity token \(kid "not-published", alg RS256\)/,
    },
    {
      name: 'a jku header pointing at the attacker\'s JWKS (never fetched)',
      token: () => signForeign(claimsFor(sts.issuer, now()), { kid: 'attacker', jku: `${attacker.url}/keys` }),
      code: 'InvalidIdentityToken',
      message: /No key in the identity provider's JWKS matches/,
    },
    {
      name: 'an x5u header (never fetched)',
      token: () => signForeign(claimsFor(sts.issuer, now()), { kid: 'attacker', x5u: `${attacker.url}/cert.pem` }),
      code: 'InvalidIdentityToken',
      message: /No key in the identity provider's JWKS matches/,
    },
    {
      name: 'an embedded jwk header (never trusted)',
      token: async () => signForeign(claimsFor(sts.issuer, now()), { jwk: await exportJWK(foreign.publicKey) }),
      code: 'InvalidIdentityToken',
      message: /signature could not be verified/,
    },
    {
      name: 'expired beyond the five-minute skew',
      token: () => sts.sign(claimsFor(sts.issuer, now() - 900, { exp: now() - 301 })),
      code: 'ExpiredTokenException',
      message: /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
    },
    {
      name: 'older than sts.maxTokenAgeSeconds',
      token: () => sts.sign(claimsFor(sts.issuer, now() - 7200, { exp: now() + 600 })),
      code: 'ExpiredTokenException',
      message: /^Token too old$/,
    },
    {
      name: 'nbf in the future',
      token: () => sts.sign(claimsFor(sts.issuer, now(), { nbf: now() + 3600 })),
      code: 'InvalidIdentityToken',
      message: /^Token is not yet valid/,
    },
    {
      name: 'iat in the future',
      token: () => sts.sign(claimsFor(sts.issuer, now(), { iat: now() + 3600, exp: now() + 7200 })),
      code: 'InvalidIdentityToken',
      message: /^Token issued in the future/,
    },
    {
      name: 'an issuer no provider is registered for',
      token: () => sts.sign(claimsFor(sts.issuer, now(), { iss: `${sts.issuer}/elsewhere` })),
      code: 'InvalidIdentityToken',
      message: /^No OpenIDConnect provider found in your account for http:\/\/127\.0\.0\.1:\d+\/elsewhere$/,
    },
    {
      name: 'an audience that is not a registered client ID',
      token: () => sts.sign(claimsFor(sts.issuer, now(), { aud: 'someone-else' })),
      code: 'InvalidIdentityToken',
      message: /^Incorrect token audience$/,
    },
    {
      name: 'several audiences without azp',
      token: () => sts.sign(claimsFor(sts.issuer, now(), { aud: [AUDIENCE, 'other'] })),
      code: 'InvalidIdentityToken',
      message: /^Incorrect token audience$/,
    },
    {
      name: 'a missing exp',
      token: () => sts.sign(claimsFor(sts.issuer, now(), { exp: undefined })),
      code: 'InvalidIdentityToken',
      message: /^Missing a required claim: exp$/,
    },
    {
      name: 'a fractional exp',
      token: () => sts.sign(claimsFor(sts.issuer, now(), { exp: now() + 600.5 })),
      code: 'InvalidIdentityToken',
      message: /^Claim exp must be a whole number/,
    },
    {
      name: 'a tampered payload (sub changed after signing)',
      token: async () => {
        const [header, , signature] = (await sts.mint('user:alice')).split('.');
        return `${header}.${b64(claimsFor(sts.issuer, now(), { sub: 'user:admin' }))}.${signature}`;
      },
      code: 'InvalidIdentityToken',
      message: /signature could not be verified/,
    },
    {
      name: 'a truncated token',
      token: async () => (await sts.mint('user:alice')).slice(0, -20),
      code: 'InvalidIdentityToken',
      message: /signature could not be verified/,
    },
    {
      name: 'not a JWT at all',
      token: async () => 'this-is-not-a-jwt',
      code: 'InvalidIdentityToken',
      message: /not a signed JWT/,
    },
    {
      name: 'a token of 20001 characters',
      token: async () => `${(await sts.mint('user:alice'))}.`.padEnd(20001, 'A'),
      code: 'ValidationError',
      message: /^1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000$/,
    },
  ];

  for (const { name, token, code, message } of refused) {
    test(`${name} → ${code}`, async () => {
      const result = await postQuery(sts.stsUrl, assumeParams(await token()));
      assert.equal(result.code, code, result.body);
      assert.equal(result.status, 400);
      assert.match(result.message ?? '', message);
      assert.equal(xmlText(result.body, 'Type'), 'Sender');
      assert.match(result.body, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
    });
  }

  test('the jku, x5u and jwk headers made no request to the attacker\'s server', () => {
    assert.deepEqual(attacker.hits, []);
  });

  test('a token expired less than five minutes ago is still accepted (clock skew)', async () => {
    const token = await sts.sign(claimsFor(sts.issuer, now() - 900, { exp: now() - 120 }));
    const result = await postQuery(sts.stsUrl, assumeParams(token));
    assert.equal(result.status, 200, result.body);
    stored += 1;
  });

  test('several audiences with azp naming the registered one are accepted, and azp is the audience used', async () => {
    const token = await sts.sign(claimsFor(sts.issuer, now(), { aud: ['other', AUDIENCE], azp: AUDIENCE }));
    const result = await postQuery(sts.stsUrl, assumeParams(token));
    assert.equal(result.status, 200, result.body);
    assert.equal(xmlText(result.body, 'Audience'), AUDIENCE);
    stored += 1;
  });
});

describe('identity providers other than the broker', () => {
  let sts: StsBroker;
  let idp: CountingServer;
  let keys: { privateKey: CryptoKey; publicKey: CryptoKey };

  before(async () => {
    sts = await startStsBroker();
    keys = await generateKeyPair('ES256', { extractable: true });
    const documents = new Map<string, unknown>();
    idp = await startCountingServer(documents);
    documents.set('/.well-known/openid-configuration', { issuer: idp.url, jwks_uri: `${idp.url}/jwks` });
    documents.set('/jwks', { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' }] });
    const services = sts.broker.app.services;
    await services.sts.registry.addProvider({ url: idp.url, clientIds: [AUDIENCE] });
    const prefix = idp.url.replace('http://', '');
    await sts.addRole('arn:aws:iam::333333333333:role/FromEs', webIdentityTrustPolicy(prefix, `arn:aws:iam::333333333333:oidc-provider/${prefix}`));
  });
  after(async () => {
    idp?.server.close();
    await sts?.close();
  });

  test('an ES256 provider: discovery and JWKS fetched once, then cached', async () => {
    for (let i = 0; i < 3; i++) {
      const token = await new SignJWT(claimsFor(idp.url, now())).setProtectedHeader({ alg: 'ES256', kid: 'es', typ: 'JWT' }).sign(keys.privateKey);
      const result = await postQuery(sts.stsUrl, assumeParams(token, { RoleArn: 'arn:aws:iam::333333333333:role/FromEs' }));
      assert.equal(result.status, 200, result.body);
      assert.equal(xmlText(result.body, 'Provider'), `arn:aws:iam::333333333333:oidc-provider/${idp.url.replace('http://', '')}`);
    }
    assert.deepEqual(idp.hits, ['/.well-known/openid-configuration', '/jwks']);
  });

  test('a provider whose keys cannot be fetched → InvalidIdentityToken, as AWS words it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await sts.broker.app.services.sts.registry.addProvider({ url, clientIds: [AUDIENCE] });
    const token = await new SignJWT(claimsFor(url, now())).setProtectedHeader({ alg: 'ES256', kid: 'es', typ: 'JWT' }).sign(keys.privateKey);
    const result = await postQuery(sts.stsUrl, assumeParams(token));
    assert.equal(result.status, 400);
    assert.equal(result.code, 'InvalidIdentityToken');
    assert.equal(result.message, "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  });
});
