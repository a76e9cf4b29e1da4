import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAwsCli, type AwsCliRun } from '../helpers/aws-cli.ts';
import { ACCOUNT, ROLE_ARN, startStsBroker, type StsBroker } from './sts-fixture.ts';

/**
 * Debian's AWS CLI v2 (`/usr/bin/aws`, package `awscli`; not the pip v1 that may come first
 * on PATH) against the local STS, isolated from any AWS configuration of the machine.
 */

describe('the AWS CLI against the local STS', () => {
  let home: string;
  let sts: StsBroker;

  const aws = (args: string[], env: Record<string, string> = {}): Promise<AwsCliRun> => runAwsCli(args, { endpoint: sts.stsUrl, home, env });

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'roleport-sts-awscli-'));
    sts = await startStsBroker();
  });
  after(async () => {
    await sts?.close();
    await rm(home, { recursive: true, force: true });
  });

  test('assume-role-with-web-identity, then get-caller-identity with the returned credentials', async () => {
    const assumed = await aws(['sts', 'assume-role-with-web-identity', '--role-arn', ROLE_ARN, '--role-session-name', 'alice-cli', '--web-identity-token', (await sts.mint('user:alice')), '--duration-seconds', '900']);
    assert.equal(assumed.code, 0, assumed.stderr);
    const result = JSON.parse(assumed.stdout) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
      SubjectFromWebIdentityToken: string;
      AssumedRoleUser: { Arn: string; AssumedRoleId: string };
      Provider: string;
      Audience: string;
    };
    assert.equal(result.SubjectFromWebIdentityToken, 'user:alice');
    assert.equal(result.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/alice-cli`);
    assert.match(result.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z2-7]{17}:alice-cli$/);
    assert.equal(result.Provider, sts.providerArn());
    assert.equal(result.Audience, 'sts.amazonaws.com');
    const lifetime = Date.parse(result.Credentials.Expiration) - Date.now();
    assert.ok(lifetime > 800_000 && lifetime <= 900_000, `DurationSeconds 900 was asked, got ${lifetime} ms`);

    const identity = await aws(['sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: result.Credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: result.Credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: result.Credentials.SessionToken,
    });
    assert.equal(identity.code, 0, identity.stderr);
    assert.deepEqual(JSON.parse(identity.stdout), {
      UserId: result.AssumedRoleUser.AssumedRoleId,
      Account: ACCOUNT,
      Arn: result.AssumedRoleUser.Arn,
    });
  });

  test('refusals reach the CLI as AWS errors: wrong session token, untrusted subject', async () => {
    const assumed = await aws(['sts', 'assume-role-with-web-identity', '--role-arn', ROLE_ARN, '--role-session-name', 'alice-cli', '--web-identity-token', (await sts.mint('user:alice'))]);
    const credentials = (JSON.parse(assumed.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string } }).Credentials;
    const forged = await aws(['sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: 'not-the-session-token',
    });
    assert.notEqual(forged.code, 0);
    assert.match(forged.stderr, /\(InvalidClientTokenId\) when calling the GetCallerIdentity operation: The security token included in the request is invalid/);

    const denied = await aws(['sts', 'assume-role-with-web-identity', '--role-arn', ROLE_ARN, '--role-session-name', 'bot', '--web-identity-token', (await sts.mint('service:bot'))]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /\(AccessDenied\) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
  });
});
