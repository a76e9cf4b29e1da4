import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { startTestIdp, type TestIdp } from './test-idp.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SECRET = 'roleport-test-secret';

interface CodeFlowOptions {
  clientId: string;
  auth?: client.ClientAuth;
  username: string;
  password?: string;
  scope?: string;
  pkce?: boolean;
}

describe('test IdP (oidc-provider) with openid-client as the relying party', () => {
  let idp: TestIdp;
  let clientKey: client.CryptoKey;

  before(async () => {
    const keyPair = await generateKeyPair('ES256', { extractable: true });
    clientKey = keyPair.privateKey;
    idp = await startTestIdp({
      clients: [
        { client_id: 'roleport', client_secret: SECRET, redirect_uris: [REDIRECT_URI] },
        { client_id: 'roleport-public', redirect_uris: [REDIRECT_URI] },
        { client_id: 'roleport-no-pkce', client_secret: SECRET, redirect_uris: [REDIRECT_URI], requirePkce: false },
        {
          client_id: 'roleport-jwt',
          redirect_uris: [REDIRECT_URI],
          jwks: { keys: [{ ...(await exportJWK(keyPair.publicKey)), alg: 'ES256', use: 'sig' }] },
          token_endpoint_auth_signing_alg: 'ES256',
        },
      ],
    });
  });

  after(() => idp.close());

  async function discover(clientId: string, auth?: client.ClientAuth): Promise<client.Configuration> {
    return client.discovery(new URL(idp.issuer), clientId, undefined, auth ?? client.ClientSecretBasic(SECRET), {
      execute: [client.allowInsecureRequests],
    });
  }

  async function codeFlow(options: CodeFlowOptions) {
    const config = await discover(options.clientId, options.auth);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const parameters: Record<string, string> = {
      redirect_uri: REDIRECT_URI,
      scope: options.scope ?? 'openid email profile offline_access',
      state,
      nonce,
    };
    if (options.pkce !== false) {
      parameters['code_challenge'] = await client.calculatePKCECodeChallenge(verifier);
      parameters['code_challenge_method'] = 'S256';
    }
    const authorizationUrl = client.buildAuthorizationUrl(config, parameters);
    const callbackUrl = await idp.loginHeadless(authorizationUrl, options.username, options.password ?? `${options.username}-password`);
    const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
      expectedState: state,
      expectedNonce: nonce,
      ...(options.pkce !== false ? { pkceCodeVerifier: verifier } : {}),
      idTokenExpected: true,
    });
    return { config, tokens };
  }

  it('serves discovery over plain http on 127.0.0.1 with RS256 ID tokens and S256 PKCE', async () => {
    assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    const metadata = (await discover('roleport')).serverMetadata();
    assert.equal(metadata.issuer, idp.issuer);
    assert.deepEqual(metadata.id_token_signing_alg_values_supported?.includes('RS256'), true);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok(metadata.grant_types_supported?.includes('refresh_token'));
  });

  it('runs the code flow with PKCE for alice, puts the role claims in the ID token and rotates refresh tokens', async () => {
    const { config, tokens } = await codeFlow({ clientId: 'roleport', username: 'alice' });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims['preferred_username'], 'alice');
    assert.equal(claims['email'], 'alice@example.com');
    assert.equal(claims['name'], 'Alice Example');
    assert.deepEqual(claims['groups'], ['data-science', 'engineering']);
    assert.deepEqual(claims['aws_role_arn'], [
      'arn:aws:iam::111111111111:role/DataScientist',
      'arn:aws:iam::222222222222:role/ReadOnly',
    ]);
    assert.equal(claims['aws_role_session_name'], 'alice');
    const header = JSON.parse(Buffer.from(tokens.id_token?.split('.')[0] ?? '', 'base64url').toString()) as { alg: string };
    assert.equal(header.alg, 'RS256');

    const firstRefreshToken = tokens.refresh_token;
    assert.ok(firstRefreshToken, 'offline_access must yield a refresh token without prompt=consent');

    const refreshed = await client.refreshTokenGrant(config, firstRefreshToken);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, firstRefreshToken, 'the refresh token rotates');
    assert.deepEqual(refreshed.claims()?.['aws_role_arn'], claims['aws_role_arn']);

    await assert.rejects(client.refreshTokenGrant(config, firstRefreshToken), (error: unknown) => {
      assert.ok(error instanceof client.ResponseBodyError);
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
  });

  const userCases = [
    { username: 'bob', awsRoleArn: 'arn:aws:iam::111111111111:role/Analyst', groups: ['analysts'] },
    { username: 'carol', awsRoleArn: undefined, groups: [] },
  ];
  for (const { username, awsRoleArn, groups } of userCases) {
    it(`signs in ${username} through a public client with aws_role_arn ${JSON.stringify(awsRoleArn)}`, async () => {
      const { tokens } = await codeFlow({ clientId: 'roleport-public', auth: client.None(), username, scope: 'openid' });
      const claims = tokens.claims();
      assert.equal(claims?.['aws_role_arn'], awsRoleArn);
      assert.deepEqual(claims?.['groups'], groups);
      assert.equal(tokens.refresh_token, undefined, 'no offline_access, no refresh token');
    });
  }

  it('authenticates a private_key_jwt client', async () => {
    const { tokens } = await codeFlow({ clientId: 'roleport-jwt', auth: client.PrivateKeyJwt(clientKey), username: 'alice' });
    assert.equal(tokens.claims()?.sub, 'alice');
  });

  it('requires PKCE unless the client opts out', async () => {
    const config = await discover('roleport');
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'xyz' });
    const redirected = new URL(await idp.loginHeadless(url, 'alice', 'alice-password'));
    assert.equal(redirected.searchParams.get('error'), 'invalid_request');
    assert.match(redirected.searchParams.get('error_description') ?? '', /PKCE/);

    const { tokens } = await codeFlow({ clientId: 'roleport-no-pkce', username: 'alice', pkce: false });
    assert.equal(tokens.claims()?.sub, 'alice');
  });

  it('refuses a wrong password', async () => {
    await assert.rejects(codeFlow({ clientId: 'roleport', username: 'alice', password: 'wrong' }), /refused the credentials/);
  });

  it('hands out changed claims on refresh after setUser, and refuses refresh after removeUser', async () => {
    const { config, tokens } = await codeFlow({ clientId: 'roleport', username: 'bob' });
    idp.setUser({
      username: 'bob',
      password: 'bob-password',
      email: 'bob@example.com',
      name: 'Bob Example',
      groups: [],
      claims: { aws_role_arn: 'arn:aws:iam::111111111111:role/Other', aws_role_session_name: 'bob' },
    });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    assert.equal(refreshed.claims()?.['aws_role_arn'], 'arn:aws:iam::111111111111:role/Other');

    idp.removeUser('bob');
    await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token ?? ''), (error: unknown) => {
      assert.ok(error instanceof client.ResponseBodyError);
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
  });

  for (const kind of ['down', 'html', 'reset'] as const) {
    it(`fails discovery and token requests during a "${kind}" outage, then recovers`, async () => {
      const { config, tokens } = await codeFlow({ clientId: 'roleport', username: 'alice' });
      idp.setOutage(kind);
      try {
        await assert.rejects(discover('roleport'));
        await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token ?? ''));
        const raw = await fetch(`${idp.issuer}/.well-known/openid-configuration`).catch((error: unknown) => error);
        if (kind === 'down') assert.equal((raw as Response).status, 503);
        if (kind === 'html') assert.match((raw as Response).headers.get('content-type') ?? '', /text\/html/);
        if (kind === 'reset') assert.ok(raw instanceof Error);
      } finally {
        idp.setOutage('none');
      }
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
      assert.ok(refreshed.access_token);
    });
  }
});

describe('test IdP token lifetimes', () => {
  let idp: TestIdp;

  before(async () => {
    idp = await startTestIdp({
      clients: [{ client_id: 'short-lived', client_secret: SECRET, redirect_uris: [REDIRECT_URI] }],
      users: [{ username: 'dave', password: 'pw', email: 'dave@example.com', name: 'Dave', groups: [], claims: { department: 'ops' } }],
      ttl: { idToken: 120, accessToken: 90, refreshToken: 600 },
    });
  });

  after(() => idp.close());

  it('uses the configured ID and access token lifetimes and custom users', async () => {
    const config = await client.discovery(new URL(idp.issuer), 'short-lived', undefined, client.ClientSecretBasic(SECRET), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await client.authorizationCodeGrant(config, new URL(await idp.loginHeadless(url, 'dave', 'pw')), {
      pkceCodeVerifier: verifier,
    });
    const claims = tokens.claims();
    assert.equal(tokens.expires_in, 90);
    assert.equal((claims?.exp ?? 0) - (claims?.iat ?? 0), 120);
    assert.equal(claims?.['department'], 'ops');
    assert.ok(tokens.refresh_token);
  });
});
