import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  buildFederatedCredentialSetup,
  renderAzureEnvironment,
  renderAzureTargetClaims,
  renderFederatedCredentialSetup,
  type AzureTarget,
} from '../../src/azure/index.ts';
import { flagsOf, postForm, scriptCommands, startCloudBroker, unsignedToken, type CloudBroker } from './clouds-fixture.ts';

/**
 * @azure/identity's WorkloadIdentityCredential (MSAL inside), unchanged, in a child process
 * configured by the environment Roleport renders, against the local Entra endpoint over TLS
 * with a dev CA (NODE_EXTRA_CA_CERTS) — the endpoint configured by the output of `roleport
 * azure federated-credential` (the az commands, parsed) — and the hostile assertions Entra
 * must refuse with its AADSTS codes.
 */
const run = promisify(execFile);
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const OTHER_CLIENT = '66666666-7777-8888-9999-000000000000';
const CHILD = new URL('../helpers/azure-identity-child.ts', import.meta.url).pathname;

interface ChildAnswer {
  ok: boolean;
  token?: string;
  expiresOnTimestamp?: number;
  message?: string;
}

describe('Azure: WorkloadIdentityCredential against the local Entra endpoint', () => {
  let cloud: CloudBroker;
  const analytics: AzureTarget = { name: 'analytics', tenantId: TENANT, clientId: CLIENT };
  const reports: AzureTarget = { name: 'reports', tenantId: TENANT, clientId: OTHER_CLIENT, subjectScope: 'target' };

  const identity = async (token: string, target: AzureTarget, options: { mode?: 'no-instance-discovery' | 'proxy'; proxy?: string } = {}): Promise<ChildAnswer> => {
    const tokenFile = join(cloud.ca.dir, `${crypto.randomUUID()}.jwt`);
    await writeFile(tokenFile, token, { mode: 0o600 });
    const env = {
      PATH: process.env['PATH'] ?? '',
      NODE_EXTRA_CA_CERTS: cloud.ca.caFile,
      ...renderAzureEnvironment({ tenantId: target.tenantId, clientId: target.clientId, tokenFile, authorityHost: cloud.azureUrl }),
      ...(options.proxy === undefined ? {} : { HTTPS_PROXY: options.proxy, NO_PROXY: '' }),
    };
    const { stdout } = await run(process.execPath, [CHILD, options.mode ?? 'no-instance-discovery'], { env, timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop() as string) as ChildAnswer;
  };
  const tokenFor = async (user: string, target: AzureTarget) => {
    const claims = renderAzureTargetClaims(user, target);
    return (await cloud.mint(claims.subject, claims.audience)).token;
  };

  before(async () => {
    cloud = await startCloudBroker();
    // What an admin pastes, parsed back: each az command registers one credential.
    for (const [target, users] of [[analytics, ['alice']], [reports, undefined]] as const) {
      const setup = buildFederatedCredentialSetup({ issuer: cloud.issuer, target, users, allowHttpIssuer: true });
      for (const words of scriptCommands(renderFederatedCredentialSetup(setup, 'az'))) {
        assert.deepEqual(words.slice(0, 5), ['az', 'ad', 'app', 'federated-credential', 'create']);
        const flags = flagsOf(words);
        const parameters = JSON.parse(flags.get('parameters')![0]!) as { name: string; issuer: string; subject: string; audiences: string[]; description: string };
        await cloud.broker.app.services.entra.registry.add({ tenantId: target.tenantId, clientId: flags.get('id')![0]!, ...parameters });
      }
    }
  });
  after(() => cloud?.close());

  test('a session token bound to user and target gets an access token', async () => {
    const answer = await identity(await tokenFor('alice', analytics), analytics);
    assert.equal(answer.ok, true, answer.message);
    assert.ok((answer.token ?? '').length > 20);
    assert.ok((answer.expiresOnTimestamp ?? 0) > Date.now() + 30 * 60 * 1000);
  });

  test('a target-scoped credential takes every session of the target', async () => {
    const answer = await identity(await tokenFor('carol', reports), reports);
    assert.equal(answer.ok, true, answer.message);
  });

  test('MSAL\'s instance discovery, sent through HTTPS_PROXY to a loopback proxy, reaches the local endpoint too', async () => {
    // A CONNECT proxy that tunnels every host to the local Entra listener: MSAL's call to
    // login.microsoftonline.com/common/discovery/instance is answered offline, and nothing
    // leaves the machine. Only the credential's environment changes.
    const port = Number(new URL(cloud.azureUrl).port);
    const seen: string[] = [];
    const proxy: Server = createServer((client) => {
      client.once('data', (head) => {
        const line = head.toString('latin1').split('\r\n')[0] ?? '';
        seen.push(line);
        const upstream = connect(port, '127.0.0.1', () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', () => client.destroy());
      });
      client.on('error', () => {});
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const answer = await identity(await tokenFor('alice', analytics), analytics, { mode: 'proxy', proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
      assert.equal(answer.ok, true, answer.message);
      assert.ok(seen.some((line) => line.startsWith('CONNECT login.microsoftonline.com:443')), `instance discovery went through the proxy: ${seen.join(' | ')}`);
    } finally {
      proxy.close();
    }
  });

  test("another user's token is refused for a user-scoped credential (AADSTS700213)", async () => {
    const answer = await identity(await tokenFor('bob', analytics), analytics);
    assert.equal(answer.ok, false);
    assert.match(answer.message ?? '', /AADSTS700213/);
  });

  test("another target's token is refused (AADSTS700213)", async () => {
    const answer = await identity(await tokenFor('carol', reports), analytics);
    assert.equal(answer.ok, false);
    assert.match(answer.message ?? '', /AADSTS700213/);
  });

  describe("hostile assertions get Entra's error shape", () => {
    const now = (): number => Math.floor(Date.now() / 1000);
    const base = (): Record<string, unknown> => ({ iss: cloud.issuer, sub: 'user:alice:azure:analytics', aud: 'api://AzureADTokenExchange', iat: now(), nbf: now(), exp: now() + 600, jti: crypto.randomUUID() });
    const cases: { name: string; token: () => Promise<string>; aadsts: number; error: string }[] = [
      { name: 'wrong audience', token: async () => cloud.sign({ ...base(), aud: 'sts.amazonaws.com' }), aadsts: 700212, error: 'invalid_client' },
      { name: 'wrong subject', token: async () => cloud.sign({ ...base(), sub: 'user:alice:azure:payroll' }), aadsts: 700213, error: 'invalid_client' },
      { name: 'expired', token: async () => cloud.sign({ ...base(), iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }), aadsts: 700024, error: 'invalid_client' },
      { name: 'another issuer', token: async () => cloud.sign({ ...base(), iss: 'https://evil.example.com' }), aadsts: 700211, error: 'invalid_client' },
      { name: 'alg none', token: async () => unsignedToken(base()), aadsts: 50027, error: 'invalid_request' },
      { name: "another key under the broker's kid", token: async () => cloud.signWithForeignKey(base()), aadsts: 700027, error: 'invalid_client' },
    ];
    for (const { name, token, aadsts, error } of cases) {
      test(name, async () => {
        const answer = await postForm(
          `${cloud.azureUrl}/${TENANT}/oauth2/v2.0/token`,
          { grant_type: 'client_credentials', client_id: CLIENT, scope: 'https://management.azure.com/.default', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await token() },
          cloud.ca.caFile,
        );
        assert.equal(answer.body['error'], error);
        assert.deepEqual(answer.body['error_codes'], [aadsts]);
        assert.match(String(answer.body['error_description']), new RegExp(`^AADSTS${aadsts}: .* Trace ID: `));
        assert.equal(answer.status, error === 'invalid_client' ? 401 : 400);
      });
    }

    test('the library reports the AADSTS code of a hostile token (expired)', async () => {
      const answer = await identity(await cloud.sign({ ...base(), iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }), analytics);
      assert.equal(answer.ok, false);
      assert.match(answer.message ?? '', /AADSTS700024/);
    });
  });
});
