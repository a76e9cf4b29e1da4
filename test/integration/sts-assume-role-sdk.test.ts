import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { buildPermissionSetPolicy, buildPermissionSetTrustPolicy } from '../../src/aws/index.ts';
import { testPostgresUrl } from '../helpers/postgres.ts';
import { stsRejection, startStsBroker, type StsBroker } from './sts-fixture.ts';

/**
 * The SSO guide's cases with the AWS SDK v3's `STSClient`: a permission set's principal
 * (registered with the generated inline policy, unchanged) assumes the generated roles in
 * two accounts and is refused a third account and an unlisted role; an IAM user is not role
 * chaining; removing a principal revokes its key. On SQLite and on PostgreSQL.
 */
const SSO_ACCOUNT = '111111111111';
const ACCOUNTS = [SSO_ACCOUNT, '222222222222'];
const UNLISTED_ACCOUNT = '333333333333';
const ROLES = ['ExecutionRole', 'ReadOnlyRole'];
const SSO_ROLE = `arn:aws:iam::${SSO_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_abcdef0123456789`;
const SSO_SESSION = `arn:aws:sts::${SSO_ACCOUNT}:assumed-role/AWSReservedSSO_DataScientist_abcdef0123456789/alice`;
const USER = `arn:aws:iam::${SSO_ACCOUNT}:user/ci-bot`;

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

function client(sts: StsBroker, credentials: Keys): STSClient {
  return new STSClient({ region: 'us-east-1', endpoint: sts.stsUrl, credentials, maxAttempts: 1 });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`AssumeRole by principals with identity policies, AWS SDK v3 (${backend})`, () => {
    let dir: string;
    let sts: StsBroker;
    let sso: STSClient;
    let ssoKeys: Keys;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'roleport-sso-sdk-'));
      const databaseUrl = backend === 'postgres' ? await testPostgresUrl() : undefined;
      sts = await startStsBroker({ dataDir: join(dir, 'data'), register: false, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
      const services = sts.broker.app.services;
      // The generators' JSON output, as text, exactly what the CLI prints.
      const inline = JSON.stringify(buildPermissionSetPolicy({ accounts: ACCOUNTS, roles: ROLES }).policy, null, 2);
      const trust = JSON.stringify(buildPermissionSetTrustPolicy({ roleName: 'ExecutionRole', permissionSetName: 'DataScientist', accounts: [SSO_ACCOUNT] }).policy, null, 2);
      for (const account of [...ACCOUNTS, UNLISTED_ACCOUNT]) {
        for (const role of [...ROLES, 'AdminRole']) {
          await services.sts.registry.addRole({ arn: `arn:aws:iam::${account}:role/${role}`, trustPolicy: trust, maxSessionDurationSeconds: 43200 });
        }
      }
      const added = await services.sts.principals.add({ arn: SSO_ROLE, policies: [{ name: 'DataScientist-inline', document: inline }], sessionName: 'alice' });
      assert.equal(added.change, 'added');
      ssoKeys = { accessKeyId: added.accessKey!.accessKeyId, secretAccessKey: added.accessKey!.secretAccessKey };
      sso = client(sts, ssoKeys);
    });
    after(async () => {
      await sts?.close();
      await rm(dir, { recursive: true, force: true });
    });

    test("GetCallerIdentity with the permission set's long-term key: its role session", async () => {
      const identity = await sso.send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, SSO_SESSION);
      assert.equal(identity.Account, SSO_ACCOUNT);
      assert.match(identity.UserId ?? '', /^AROA[A-Z2-7]{17}:alice$/);
    });

    test('AssumeRole into both roles of both accounts; the returned credentials are the assumed role', async () => {
      for (const account of ACCOUNTS) {
        for (const role of ROLES) {
          const before = Date.now();
          const assumed = await sso.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: 'TestSession' }));
          assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/${role}/TestSession`);
          const expiresIn = assumed.Credentials!.Expiration!.getTime() - before;
          assert.ok(expiresIn > 3500_000 && expiresIn <= 3601_000, `${role} in ${account}: ${expiresIn} ms`);
          const identity = await client(sts, {
            accessKeyId: assumed.Credentials!.AccessKeyId!,
            secretAccessKey: assumed.Credentials!.SecretAccessKey!,
            sessionToken: assumed.Credentials!.SessionToken!,
          }).send(new GetCallerIdentityCommand({}));
          assert.equal(identity.Arn, `arn:aws:sts::${account}:assumed-role/${role}/TestSession`);
          assert.equal(identity.Account, account);
        }
      }
    });

    test("a third account and an unlisted role: 403 AccessDenied with AWS's message, nothing issued", async () => {
      const stored = await sts.credentialCount();
      for (const roleArn of [`arn:aws:iam::${UNLISTED_ACCOUNT}:role/ExecutionRole`, `arn:aws:iam::${SSO_ACCOUNT}:role/AdminRole`, `arn:aws:iam::${SSO_ACCOUNT}:role/NoSuchRole`]) {
        const denied = await stsRejection(sso.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'TestSession' })));
        assert.equal(denied.name, 'AccessDenied');
        assert.equal(denied.$metadata.httpStatusCode, 403);
        assert.equal(denied.message, `User: ${SSO_SESSION} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
      }
      assert.equal(await sts.credentialCount(), stored);
    });

    test('a chained two-hour request is refused; an IAM user is not chaining and gets two hours', async () => {
      const chained = await stsRejection(sso.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${SSO_ACCOUNT}:role/ExecutionRole`, RoleSessionName: 'TestSession', DurationSeconds: 7200 })));
      assert.equal(chained.name, 'ValidationError');
      assert.equal(chained.message, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');

      const services = sts.broker.app.services;
      const user = await services.sts.principals.add({
        arn: USER,
        policies: [{ name: 'ci', document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/ExecutionRole' }] }) }],
      });
      const bot = client(sts, { accessKeyId: user.accessKey!.accessKeyId, secretAccessKey: user.accessKey!.secretAccessKey });
      const identity = await bot.send(new GetCallerIdentityCommand({}));
      assert.deepEqual([identity.Arn, identity.Account], [USER, SSO_ACCOUNT]);
      assert.match(identity.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
      // The permission set's trust policy admits only its role sessions, not this user.
      const untrusted = await stsRejection(bot.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::222222222222:role/ExecutionRole`, RoleSessionName: 'ci' })));
      assert.equal(untrusted.message, `User: ${USER} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/ExecutionRole`);

      await services.sts.registry.addRole({
        arn: 'arn:aws:iam::222222222222:role/ExecutionRole',
        maxSessionDurationSeconds: 43200,
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: SSO_ACCOUNT }, Action: 'sts:AssumeRole' }] },
      });
      const before = Date.now();
      const twoHours = await bot.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/ExecutionRole', RoleSessionName: 'ci', DurationSeconds: 7200 }));
      const expiresIn = twoHours.Credentials!.Expiration!.getTime() - before;
      assert.ok(expiresIn > 7100_000 && expiresIn <= 7201_000, `an IAM user may ask for the role's maximum, got ${expiresIn} ms`);
      const tooLong = await stsRejection(bot.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/ExecutionRole', RoleSessionName: 'ci', DurationSeconds: 43201 })));
      assert.equal(tooLong.name, 'ValidationError');
    });

    test("removing a principal revokes its key; re-adding replaces its policies and keeps its key", async () => {
      const services = sts.broker.app.services;
      const inline = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${SSO_ACCOUNT}:role/ReadOnlyRole` }] });
      const updated = await services.sts.principals.add({ arn: SSO_ROLE, policies: [{ name: 'read-only', document: inline }], sessionName: 'alice' });
      assert.equal(updated.change, 'updated');
      assert.equal(updated.accessKey, undefined);
      assert.equal(updated.principal.accessKeyId, ssoKeys.accessKeyId);
      await sso.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${SSO_ACCOUNT}:role/ReadOnlyRole`, RoleSessionName: 'TestSession' }));
      const narrowed = await stsRejection(sso.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${SSO_ACCOUNT}:role/ExecutionRole`, RoleSessionName: 'TestSession' })));
      assert.equal(narrowed.name, 'AccessDenied');

      await services.sts.principals.remove(SSO_ROLE);
      const revoked = await stsRejection(sso.send(new GetCallerIdentityCommand({})));
      assert.equal(revoked.name, 'InvalidClientTokenId');
      assert.equal(revoked.$metadata.httpStatusCode, 403);
    });
  });
}
