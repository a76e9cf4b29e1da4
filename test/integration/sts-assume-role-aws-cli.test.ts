import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runAwsCli, type AwsCliRun } from '../helpers/aws-cli.ts';
import { ROLEPORT_BIN, runCli } from '../helpers/run-cli.ts';
import { tamperEnd } from '../helpers/tamper.ts';

/**
 * The SSO guide's verification, offline: an admin generates the permission set's inline
 * policy and the roles' trust policies with `roleport aws`, registers them with `roleport sts`,
 * and checks access exactly as the guide says — `aws sts assume-role --role-arn … 
 * --role-session-name TestSession` with the permission set's credentials — using Debian's AWS
 * CLI (`/usr/bin/aws`, not the pip v1 that may come first on PATH) against `roleport sts serve`.
 */
const SSO_ACCOUNT = '111111111111';
const ACCOUNTS = [SSO_ACCOUNT, '222222222222'];
const UNLISTED_ACCOUNT = '333333333333';
const ROLES = ['Workbench-ExecutionRole', 'Workbench-ReadOnlyRole'];
const PERMISSION_SET = 'DataScientist';
const SSO_ROLE = `arn:aws:iam::${SSO_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_${PERMISSION_SET}_0123456789abcdef`;
const SSO_SESSION = `arn:aws:sts::${SSO_ACCOUNT}:assumed-role/AWSReservedSSO_${PERMISSION_SET}_0123456789abcdef/alice@example.com`;

interface AssumeRoleOutput {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
}

describe('the SSO guide verified with the AWS CLI against roleport sts serve', () => {
  let dir: string;
  let env: Record<string, string>;
  let stsUrl: string;
  let server: ChildProcessWithoutNullStreams | undefined;
  let exited: Promise<void>;
  let keys: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };

  const roleport = async (args: string[]): Promise<string> => {
    const run = await runCli(args, env);
    assert.equal(run.code, 0, `roleport ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };

  const aws = (args: string[], credentials: Record<string, string>): Promise<AwsCliRun> => runAwsCli(args, { endpoint: stsUrl, home: dir, env: credentials });

  const assumeRole = (roleArn: string, credentials: Record<string, string> = keys, extra: string[] = []): Promise<AwsCliRun> =>
    aws(['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'TestSession', ...extra], credentials);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sso-awscli-'));
    env = { ROLEPORT_DATA_DIR: join(dir, 'data') };

    // The generators, as the admin runs them, written to files and loaded unchanged.
    const inline = join(dir, 'permission-set.json');
    await writeFile(inline, await roleport(['aws', 'permission-set-policy', '--accounts', ACCOUNTS.join(','), '--roles', ROLES.join(','), '--name', PERMISSION_SET]));
    const trust = join(dir, 'trust.json');
    await writeFile(trust, await roleport(['aws', 'trust-policy', '--role-name', ROLES[0]!, '--for-permission-set', PERMISSION_SET, '--account', SSO_ACCOUNT]));
    // Every role exists in all three accounts, and one more role that the permission set does not list.
    for (const account of [...ACCOUNTS, UNLISTED_ACCOUNT]) {
      for (const role of ROLES) await roleport(['sts', 'role', 'add', '--arn', `arn:aws:iam::${account}:role/${role}`, '--trust-policy', trust]);
    }
    await roleport(['sts', 'role', 'add', '--arn', `arn:aws:iam::${SSO_ACCOUNT}:role/Workbench-AdminRole`, '--trust-policy', trust]);
    const added = JSON.parse(await roleport(['sts', 'user', 'add', '--arn', SSO_ROLE, '--policy', inline, '--session-name', 'alice@example.com', '--json'])) as {
      access_key: { access_key_id: string; secret_access_key: string };
    };
    keys = { AWS_ACCESS_KEY_ID: added.access_key.access_key_id, AWS_SECRET_ACCESS_KEY: added.access_key.secret_access_key };

    server = spawn(process.execPath, [ROLEPORT_BIN, 'sts', 'serve', '--port', '0', '--json'], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => server!.once('exit', () => resolve()));
    let stderr = '';
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const first = await Promise.race([createInterface({ input: server.stdout })[Symbol.asyncIterator]().next(), exited.then(() => ({ done: true as const, value: undefined }))]);
    if (first.done === true) throw new Error(`roleport sts serve exited: ${stderr}`);
    stsUrl = (JSON.parse(first.value) as { sts: string }).sts;
  });
  after(async () => {
    if (server !== undefined && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  test("get-caller-identity with the permission set's keys shows its role session", async () => {
    const identity = await aws(['sts', 'get-caller-identity'], keys);
    assert.equal(identity.code, 0, identity.stderr);
    const result = JSON.parse(identity.stdout) as { Arn: string; Account: string; UserId: string };
    assert.equal(result.Arn, SSO_SESSION);
    assert.equal(result.Account, SSO_ACCOUNT);
    assert.match(result.UserId, /^AROA[A-Z2-7]{17}:alice@example\.com$/);
  });

  for (const account of ACCOUNTS) {
    for (const role of ROLES) {
      test(`assume-role ${role} in ${account} succeeds, and get-caller-identity with its credentials shows the assumed role`, async () => {
        const assumed = await assumeRole(`arn:aws:iam::${account}:role/${role}`);
        assert.equal(assumed.code, 0, assumed.stderr);
        const result = JSON.parse(assumed.stdout) as AssumeRoleOutput;
        assert.equal(result.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/${role}/TestSession`);
        assert.match(result.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z2-7]{17}:TestSession$/);
        assert.match(result.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
        // Credentials of an SSO session are role credentials: assuming a role with them is role chaining, one hour.
        const lifetime = Date.parse(result.Credentials.Expiration) - Date.now();
        assert.ok(lifetime > 3500_000 && lifetime <= 3600_000, `expected about an hour, got ${lifetime} ms`);

        const identity = await aws(['sts', 'get-caller-identity'], {
          AWS_ACCESS_KEY_ID: result.Credentials.AccessKeyId,
          AWS_SECRET_ACCESS_KEY: result.Credentials.SecretAccessKey,
          AWS_SESSION_TOKEN: result.Credentials.SessionToken,
        });
        assert.equal(identity.code, 0, identity.stderr);
        assert.deepEqual(JSON.parse(identity.stdout), { UserId: result.AssumedRoleUser.AssumedRoleId, Account: account, Arn: result.AssumedRoleUser.Arn });
      });
    }
  }

  test("a third account's role, and a role the permission set does not list, are refused with AWS's message", async () => {
    for (const roleArn of [`arn:aws:iam::${UNLISTED_ACCOUNT}:role/${ROLES[0]}`, `arn:aws:iam::${UNLISTED_ACCOUNT}:role/${ROLES[1]}`, `arn:aws:iam::${SSO_ACCOUNT}:role/Workbench-AdminRole`]) {
      const denied = await assumeRole(roleArn);
      assert.equal(denied.code, 254, denied.stderr);
      assert.equal(
        denied.stderr.trim(),
        `An error occurred (AccessDenied) when calling the AssumeRole operation: User: ${SSO_SESSION} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
  });

  test('a two-hour session is refused: role chaining is capped at one hour', async () => {
    const tooLong = await assumeRole(`arn:aws:iam::${SSO_ACCOUNT}:role/${ROLES[0]}`, keys, ['--duration-seconds', '7200']);
    assert.notEqual(tooLong.code, 0);
    assert.match(tooLong.stderr, /\(ValidationError\) when calling the AssumeRole operation: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining\./);
  });

  test('a wrong secret is refused before any policy is read', async () => {
    const forged = await assumeRole(`arn:aws:iam::${SSO_ACCOUNT}:role/${ROLES[0]}`, { ...keys, AWS_SECRET_ACCESS_KEY: tamperEnd(keys.AWS_SECRET_ACCESS_KEY) });
    assert.notEqual(forged.code, 0);
    assert.match(forged.stderr, /\(SignatureDoesNotMatch\) when calling the AssumeRole operation/);
  });
});
