import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { testPostgresUrl } from '../helpers/postgres.ts';
import { ACCOUNT, ROLE_ARN, stsRejection, startStsBroker, type StsBroker } from './sts-fixture.ts';
import { withEnv } from '../helpers/env.ts';

/**
 * The contract that matters most: the real AWS SDK v3, pointed at the local STS with an
 * endpoint override and nothing else, gets credentials for a Roleport-minted token and uses
 * them. Runs on SQLite and on PostgreSQL.
 */
interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

const SESSION = 'alice-session';
const CHAINED_ROLE = `arn:aws:iam::${ACCOUNT}:role/ReadOnly`;

async function credentialsFromTokenFile(sts: StsBroker, dir: string, token: string): Promise<AwsCredentials> {
  const file = join(dir, 'token');
  await writeFile(file, token);
  return withEnv(
    { AWS_ROLE_ARN: ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_SESSION_NAME: SESSION, AWS_ENDPOINT_URL_STS: sts.stsUrl, AWS_REGION: 'us-east-1' },
    () => fromTokenFile()(),
  );
}

function client(endpoint: string, credentials: AwsCredentials): STSClient {
  return new STSClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`local STS with the AWS SDK v3 (${backend})`, () => {
    let dir: string;
    let dataDir: string;
    let databaseUrl: string | undefined;
    let sts: StsBroker;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'roleport-sts-sdk-'));
      dataDir = join(dir, 'data');
      databaseUrl = backend === 'postgres' ? await testPostgresUrl() : undefined;
      sts = await startStsBroker({ dataDir, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
    });
    after(async () => {
      await sts?.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('fromTokenFile() with AWS_ENDPOINT_URL_STS gets credentials; GetCallerIdentity returns the assumed-role ARN', async () => {
      const before = Date.now();
      const credentials = await credentialsFromTokenFile(sts, dir, (await sts.mint('user:alice')));
      assert.match(credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
      assert.equal(credentials.secretAccessKey.length, 40);
      assert.ok(credentials.sessionToken !== undefined && credentials.sessionToken.length > 100);
      const expiresIn = credentials.expiration!.getTime() - before;
      assert.ok(expiresIn > 3500_000 && expiresIn <= 3601_000, `default DurationSeconds is 3600, got ${expiresIn} ms`);

      const identity = await client(sts.stsUrl, credentials).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/${SESSION}`);
      assert.equal(identity.Account, ACCOUNT);
      assert.match(identity.UserId ?? '', new RegExp(`^AROA[A-Z2-7]{17}:${SESSION}$`));
    });

    test('AssumeRole from issued credentials chains roles, capped at one hour as AWS does', async () => {
      await sts.broker.app.services.sts.registry.addRole({
        arn: CHAINED_ROLE,
        maxSessionDurationSeconds: 43200,
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'sts:AssumeRole' }] },
      });
      const first = await credentialsFromTokenFile(sts, dir, (await sts.mint('user:alice')));
      const chained = client(sts.stsUrl, first);
      const stored = await sts.credentialCount();

      const tooLong = await stsRejection(chained.send(new AssumeRoleCommand({ RoleArn: CHAINED_ROLE, RoleSessionName: 'chained', DurationSeconds: 7200 })));
      assert.equal(tooLong.name, 'ValidationError');
      assert.equal(tooLong.$metadata.httpStatusCode, 400);
      assert.equal(tooLong.message, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
      assert.equal(await sts.credentialCount(), stored, 'a refused AssumeRole stores nothing');

      const before = Date.now();
      const assumed = await chained.send(new AssumeRoleCommand({ RoleArn: CHAINED_ROLE, RoleSessionName: 'chained' }));
      assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/chained`);
      const expiresIn = assumed.Credentials!.Expiration!.getTime() - before;
      assert.ok(expiresIn > 3500_000 && expiresIn <= 3601_000, `chained sessions last at most an hour, got ${expiresIn} ms`);

      const identity = await client(sts.stsUrl, {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      }).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/chained`);

      // The chained role trusts DataScientist sessions only: ReadOnly's own sessions are refused.
      const readOnly = client(sts.stsUrl, { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! });
      const denied = await stsRejection(readOnly.send(new AssumeRoleCommand({ RoleArn: CHAINED_ROLE, RoleSessionName: 'again' })));
      assert.equal(denied.name, 'AccessDenied');
      assert.equal(denied.$metadata.httpStatusCode, 403);
      assert.equal(denied.message, `User: arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/chained is not authorized to perform: sts:AssumeRole on resource: ${CHAINED_ROLE}`);
    });

    test('issued credentials survive a restart on the same data', async () => {
      const credentials = await credentialsFromTokenFile(sts, dir, (await sts.mint('user:alice')));
      const port = sts.broker.port;
      await sts.close();
      sts = await startStsBroker({ dataDir, port, register: false, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
      const identity = await client(sts.stsUrl, credentials).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/${SESSION}`);
    });
  });
}

describe('local STS mounted on the broker at /sts', () => {
  let dir: string;
  let sts: StsBroker;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-mounted-'));
    sts = await startStsBroker({ sts: { listen: undefined } });
  });
  after(async () => {
    await sts?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the SDK works against <broker>/sts, signatures included', async () => {
    assert.equal(sts.stsUrl, `${sts.broker.url}/sts`);
    const credentials = await credentialsFromTokenFile(sts, dir, (await sts.mint('user:alice')));
    const identity = await client(sts.stsUrl, credentials).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/${SESSION}`);
    // The broker's own routes are untouched.
    assert.equal((await fetch(`${sts.broker.url}/.well-known/openid-configuration`)).status, 200);
  });
});
