import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createRepositories, openDatabase } from '../../src/store/index.ts';
import { AUDIENCE, assumeParams, claimsFor, startStsBroker, webIdentityTrustPolicy } from './sts-fixture.ts';

/**
 * A broker told to stop while an AssumeRoleWithWebIdentity is still running — here, waiting
 * for a slow identity provider's JWKS, its client already gone — lets it finish before it
 * closes the database: the request's credentials are written, nothing fails half-way.
 */
test('shutdown waits for STS requests in flight, even when their client left', async () => {
  const keys = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'slow', alg: 'RS256', use: 'sig' };
  let jwksRequested!: () => void;
  const jwksWasRequested = new Promise<void>((resolve) => (jwksRequested = resolve));
  const idp = createServer((request, response) => {
    if (request.url === '/.well-known/openid-configuration') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: idpUrl, jwks_uri: `${idpUrl}/jwks` }));
      return;
    }
    jwksRequested();
    // Slow enough that the broker is asked to stop while the request waits for it.
    setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })), 700);
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'roleport-shutdown-'));
  try {
    const sts = await startStsBroker({ dataDir, register: false });
    const prefix = idpUrl.replace('http://', '');
    const roleArn = 'arn:aws:iam::444444444444:role/SlowIdp';
    await sts.broker.app.services.sts.registry.addProvider({ url: idpUrl, clientIds: [AUDIENCE] });
    await sts.addRole(roleArn, webIdentityTrustPolicy(prefix, `arn:aws:iam::444444444444:oidc-provider/${prefix}`));
    const token = await new SignJWT(claimsFor(idpUrl, Math.floor(Date.now() / 1000))).setProtectedHeader({ alg: 'RS256', kid: 'slow', typ: 'JWT' }).sign(keys.privateKey);

    // The client sends its request and hangs up without waiting for the answer.
    const form = new URLSearchParams(assumeParams(token, { RoleArn: roleArn, RoleSessionName: 'left-early' })).toString();
    const { port } = new URL(sts.stsUrl);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${Buffer.byteLength(form)}\r\n\r\n${form}`);
    await jwksWasRequested;
    socket.destroy();
    await delay(50);

    await sts.close();

    const store = openDatabase(`sqlite:${join(dataDir, 'roleport.sqlite')}`);
    try {
      assert.equal(await createRepositories(store).stsCredentials.count(), 1, 'the request finished and its credentials were written');
    } finally {
      await store.close();
    }
  } finally {
    idp.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
