import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GoogleAuth } from 'google-auth-library';
import {
  buildWorkloadIdentityProviderSetup,
  parseProviderName,
  renderExternalAccountConfig,
  renderGcpTargetClaims,
  renderWorkloadIdentityProviderSetup,
  type WorkloadIdentityProviderName,
} from '../../src/gcp/index.ts';
import { flagsOf, scriptCommands, startCloudBroker, unsignedToken, type CloudBroker } from './clouds-fixture.ts';

/**
 * google-auth-library, unchanged, against the local Google STS and IAM Credentials endpoint,
 * configured by the output of `roleport gcp workload-identity-provider` (the gcloud commands,
 * parsed) — direct federation, service account impersonation, token-file rotation — and the
 * hostile tokens Google must refuse.
 */
const PROJECT = '123456789012';
const SERVICE_ACCOUNT = 'deployer@my-project.iam.gserviceaccount.com';

describe('GCP: google-auth-library against the local Google STS', () => {
  let cloud: CloudBroker;
  let provider: WorkloadIdentityProviderName;
  let other: WorkloadIdentityProviderName;
  let dir: string;

  const tokenFor = (user: string, target: string, ttlSeconds?: number, name: WorkloadIdentityProviderName = provider) => {
    const claims = renderGcpTargetClaims(user, { name: target, provider: name.name });
    return cloud.mint(claims.subject, claims.audience, claims.claims, ttlSeconds);
  };
  const writeConfig = async (name: string, tokenFile: string, serviceAccount?: string): Promise<string> => {
    const file = join(dir, `${name}.json`);
    const config = renderExternalAccountConfig({ provider, tokenFile, tokenUrl: `${cloud.gcpUrl}/v1/token`, serviceAccount, iamCredentialsUrl: cloud.gcpUrl });
    await writeFile(file, JSON.stringify(config), { mode: 0o600 });
    return file;
  };
  const clientFor = async (configFile: string, eagerRefresh = false) =>
    new GoogleAuth({
      keyFilename: configFile,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      // Every getAccessToken refreshes: the way to force a refresh without waiting an hour.
      ...(eagerRefresh ? { clientOptions: { eagerRefreshThresholdMillis: 2 * 3600 * 1000 } } : {}),
    }).getClient();

  before(async () => {
    cloud = await startCloudBroker();
    dir = cloud.ca.dir;
    const setup = buildWorkloadIdentityProviderSetup({
      issuer: cloud.issuer,
      projectNumber: PROJECT,
      poolId: 'roleport',
      providerId: 'broker',
      targets: [{ name: 'analytics' }, { name: 'deployer', serviceAccount: SERVICE_ACCOUNT }],
      allowHttpIssuer: true,
    });
    // What an admin pastes, parsed back: the provider and the binding configure the local STS.
    const commands = scriptCommands(renderWorkloadIdentityProviderSetup(setup, 'gcloud'));
    const create = commands.find((words) => words.slice(0, 5).join(' ') === 'gcloud iam workload-identity-pools providers create-oidc');
    assert.ok(create !== undefined, 'the generator prints gcloud … providers create-oidc');
    const flags = flagsOf(create);
    const name = `projects/${PROJECT}/locations/global/workloadIdentityPools/${flags.get('workload-identity-pool')![0]}/providers/${create[5]}`;
    await cloud.broker.app.services.gcp.registry.addProvider({
      name,
      issuerUri: flags.get('issuer-uri')![0]!,
      allowedAudiences: flags.get('allowed-audiences')![0]!.split(','),
      attributeMapping: Object.fromEntries(flags.get('attribute-mapping')![0]!.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
      attributeCondition: flags.get('attribute-condition')![0],
    });
    for (const words of commands.filter((item) => item.slice(0, 4).join(' ') === 'gcloud iam service-accounts add-iam-policy-binding')) {
      await cloud.broker.app.services.gcp.registry.addServiceAccount({ email: words[4]!, members: flagsOf(words).get('member')! });
    }
    provider = parseProviderName(name)!;
    // A second provider in the same pool, so that a token for one is refused by the other.
    other = parseProviderName(`projects/${PROJECT}/locations/global/workloadIdentityPools/roleport/providers/other`)!;
    await cloud.broker.app.services.gcp.registry.addProvider({ name: other.name, issuerUri: cloud.issuer, attributeMapping: { 'google.subject': 'assertion.sub' } });
  });
  after(() => cloud?.close());

  test('a session token for a direct target gets a federated access token', async () => {
    const tokenFile = join(dir, 'analytics.jwt');
    await writeFile(tokenFile, (await tokenFor('alice', 'analytics')).token, { mode: 0o600 });
    const client = await clientFor(await writeConfig('analytics', tokenFile));
    const { token } = await client.getAccessToken();
    assert.match(token ?? '', /^ya29\./);
  });

  test('a target with a service account impersonates it through generateAccessToken', async () => {
    const tokenFile = join(dir, 'deployer.jwt');
    await writeFile(tokenFile, (await tokenFor('alice', 'deployer')).token, { mode: 0o600 });
    const client = await clientFor(await writeConfig('deployer', tokenFile, SERVICE_ACCOUNT));
    const { token, res } = await client.getAccessToken();
    assert.match(token ?? '', /^ya29\./);
    assert.match(String(res?.config.url ?? ''), /serviceAccounts\/deployer@my-project\.iam\.gserviceaccount\.com:generateAccessToken$/);
    await cloud.broker.app.services.audit.flush();
    const events = await cloud.broker.app.services.repositories.auditEvents.query({ type: 'gcp.service_account_impersonated' });
    assert.ok(events.some((event) => event.subject === 'user:alice:gcp:deployer'));
  });

  test('the library refreshes across token-file rotations, each time with the file\'s current token', async () => {
    const tokenFile = join(dir, 'rotating.jwt');
    const client = await clientFor(await writeConfig('rotating', tokenFile), true);
    const jtis: string[] = [];
    for (let round = 0; round < 3; round++) {
      const minted = await tokenFor('alice', 'analytics');
      jtis.push(minted.jti);
      await writeFile(tokenFile, minted.token, { mode: 0o600 });
      const { token } = await client.getAccessToken();
      assert.match(token ?? '', /^ya29\./);
    }
    await cloud.broker.app.services.audit.flush();
    const exchanged = (await cloud.broker.app.services.repositories.auditEvents.query({ type: 'gcp.token_exchanged' })).map((event) => event.jti);
    for (const jti of jtis) assert.ok(exchanged.includes(jti), `the exchange used token ${jti}`);
  });

  test("another target's token cannot impersonate the service account (403 PERMISSION_DENIED)", async () => {
    const tokenFile = join(dir, 'wrong-target.jwt');
    await writeFile(tokenFile, (await tokenFor('bob', 'analytics')).token, { mode: 0o600 });
    const client = await clientFor(await writeConfig('wrong-target', tokenFile, SERVICE_ACCOUNT));
    await assert.rejects(client.getAccessToken(), (error: Error & { status?: number }) => {
      assert.match(error.message, /Permission 'iam\.serviceAccounts\.getAccessToken' denied/);
      return true;
    });
  });

  test('the library reports the STS refusal of a token for another provider', async () => {
    const tokenFile = join(dir, 'other-provider.jwt');
    await writeFile(tokenFile, (await tokenFor('alice', 'analytics', undefined, other)).token, { mode: 0o600 });
    const client = await clientFor(await writeConfig('other-provider', tokenFile));
    await assert.rejects(client.getAccessToken(), /invalid_grant: The audience in ID Token/);
  });

  describe('hostile tokens get Google\'s OAuth error', () => {
    const now = (): number => Math.floor(Date.now() / 1000);
    const base = (): Record<string, unknown> => ({ iss: cloud.issuer, sub: 'user:alice:gcp:analytics', roleport_target: 'analytics', aud: provider.audience, iat: now(), exp: now() + 600, jti: crypto.randomUUID() });
    const cases: { name: string; token: () => Promise<string>; error: string; description: RegExp }[] = [
      { name: 'wrong audience (another provider)', token: async () => cloud.sign({ ...base(), aud: other.audience }), error: 'invalid_grant', description: /audience in ID Token/ },
      { name: 'wrong subject (sub names another target)', token: async () => cloud.sign({ ...base(), sub: 'user:alice:gcp:deployer' }), error: 'unauthorized_client', description: /rejected by the attribute condition/ },
      { name: 'a target the provider does not serve', token: async () => cloud.sign({ ...base(), sub: 'user:alice:gcp:payroll', roleport_target: 'payroll' }), error: 'unauthorized_client', description: /rejected by the attribute condition/ },
      { name: 'expired', token: async () => cloud.sign({ ...base(), iat: now() - 7200, exp: now() - 3600 }), error: 'invalid_grant', description: /expired/ },
      { name: 'another issuer', token: async () => cloud.sign({ ...base(), iss: 'https://evil.example.com' }), error: 'invalid_grant', description: /issuer in ID Token/ },
      { name: 'alg none', token: async () => unsignedToken(base()), error: 'invalid_grant', description: /not a signed JWT/ },
      { name: 'another key under the broker\'s kid', token: async () => cloud.signWithForeignKey(base()), error: 'invalid_grant', description: /Invalid ID Token signature/ },
    ];
    for (const { name, token, error, description } of cases) {
      test(name, async () => {
        const response = await fetch(`${cloud.gcpUrl}/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            audience: provider.audience,
            requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
            subject_token: await token(),
            scope: 'https://www.googleapis.com/auth/cloud-platform',
          }),
        });
        const body = (await response.json()) as { error: string; error_description: string };
        assert.equal(response.status, 400);
        assert.equal(body.error, error);
        assert.match(body.error_description, description);
      });
    }

    test('an unknown provider is invalid_target; a malformed audience invalid_request', async () => {
      const post = async (audience: string) =>
        (await fetch(`${cloud.gcpUrl}/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', audience, requested_token_type: 'urn:ietf:params:oauth:token-type:access_token', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', subject_token: await cloud.sign(base()) }),
        }).then((response) => response.json())) as { error: string };
      assert.equal((await post(provider.audience.replace('/broker', '/nobody'))).error, 'invalid_target');
      assert.equal((await post('sts.amazonaws.com')).error, 'invalid_request');
    });
  });
});
