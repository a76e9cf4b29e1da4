import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { AUDIENCE, assumeParams, claimsFor, postQuery, startStsBroker, webIdentityTrustPolicy, type StsBroker } from './sts-fixture.ts';

/**
 * An `https://` identity provider whose certificate no public CA signed: AWS (and the local
 * STS) refuse to fetch its keys, unless the provider was registered with the thumbprint of a
 * certificate in its chain.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
 */
const ROLE = 'arn:aws:iam::555555555555:role/Private';

describe('an identity provider behind a private TLS chain', () => {
  let dir: string;
  let sts: StsBroker;
  let server: Server;
  let issuer: string;
  let thumbprint: string;
  let token: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-tls-'));
    // A self-signed certificate for 127.0.0.1 (Debian's openssl).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=private idp', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const cert = await readFile(join(dir, 'cert.pem'));
    thumbprint = new X509Certificate(cert).fingerprint.replace(/:/g, '').toLowerCase();
    const keys = await generateKeyPair('RS256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
    server = createServer({ key: await readFile(join(dir, 'key.pem')), cert }, (request, response) => {
      const body = request.url === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/jwks` } : request.url === '/jwks' ? jwks : undefined;
      if (body === undefined) response.writeHead(404).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sts = await startStsBroker();
    const prefix = issuer.replace('https://', '');
    await sts.addRole(ROLE, webIdentityTrustPolicy(prefix, `arn:aws:iam::555555555555:oidc-provider/${prefix}`));
    const now = Math.floor(Date.now() / 1000);
    token = await new SignJWT(claimsFor(issuer, now, { exp: now + 3600 })).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' }).sign(keys.privateKey);
  });
  after(async () => {
    server?.close();
    await sts?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('without a thumbprint the keys cannot be retrieved; with the certificate\'s thumbprint they can', async () => {
    const registry = sts.broker.app.services.sts.registry;
    await registry.addProvider({ url: issuer, clientIds: [AUDIENCE] });
    const refused = await postQuery(sts.stsUrl, assumeParams(token, { RoleArn: ROLE }));
    assert.equal(refused.code, 'InvalidIdentityToken');
    assert.match(refused.message ?? '', /^Couldn't retrieve verification key from your identity provider/);

    await registry.addProvider({ url: issuer, clientIds: [AUDIENCE], thumbprints: ['0'.repeat(40)] });
    assert.equal((await postQuery(sts.stsUrl, assumeParams(token, { RoleArn: ROLE }))).code, 'InvalidIdentityToken', 'a thumbprint of another certificate does not help');

    await registry.addProvider({ url: issuer, clientIds: [AUDIENCE], thumbprints: [thumbprint] });
    const accepted = await postQuery(sts.stsUrl, assumeParams(token, { RoleArn: ROLE }));
    assert.equal(accepted.status, 200, accepted.body);
  });
});
