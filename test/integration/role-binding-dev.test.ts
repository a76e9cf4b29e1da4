import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { runAwsCli } from '../helpers/aws-cli.ts';
import { nextDevLine, startDev, stopDev, type DevProcess } from '../helpers/dev-process.ts';
import { runCli } from '../helpers/run-cli.ts';
import { DS, RO, exchangeToken } from './sessions-fixtures.ts';

/**
 * Issue 10, item 2, as the attacker tried it: bob's session holds only ReadOnly, and he sends
 * its token to `AssumeRoleWithWebIdentity` for DataScientist. `roleport dev`'s local STS, with
 * the demo roles trusting exactly what `roleport aws trust-policy` prints, must refuse it with
 * AccessDenied — judged by Debian's AWS CLI — while alice's tokens work for each of her roles,
 * and `policy explain` names the `:sub` condition that fails.
 */

describe('role binding through roleport dev, its local STS and the generated trust policies', () => {
  let dir: string;
  let dev: DevProcess;
  let endpoints: { issuer: string; sts: string; web: string };
  let adminEnv: Record<string, string>;
  const policyFiles = new Map<string, string>();
  let bob: string;
  let alice: string;

  const roleport = async (args: string[]): Promise<string> => {
    const run = await runCli(args, adminEnv);
    assert.equal(run.code, 0, `roleport ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };

  /** A token for one role, by the agents' exchange (RFC 8693) at the running broker. */
  const token = async (credential: string, roleArn: string): Promise<string> => {
    const issued = await exchangeToken(endpoints.web, credential, { resource: roleArn });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    return issued.body['access_token'] as string;
  };

  const assume = (roleArn: string, webIdentityToken: string) =>
    runAwsCli(['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'binding-test', '--web-identity-token', webIdentityToken], {
      endpoint: endpoints.sts,
      home: dir,
    });

  const startSession = async (user: string, roles: string[]): Promise<string> => {
    const started = JSON.parse(await roleport(['session', 'start', '--user', user, ...roles.flatMap((arn) => ['--role', arn]), '--json'])) as { credential: string };
    return started.credential;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-binding-'));
    dev = startDev(['--port', '0', '--json', '--data-dir', join(dir, 'data')]);
    endpoints = JSON.parse(await nextDevLine(dev)) as typeof endpoints;
    adminEnv = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: endpoints.issuer };
    // The admin's own steps: the trust policy of each demo role, as roleport prints it.
    for (const [arn, name, account] of [[DS, 'DataScientist', '111111111111'], [RO, 'ReadOnly', '222222222222']] as const) {
      const file = join(dir, `${name}.json`);
      await writeFile(file, await roleport(['aws', 'trust-policy', '--role-name', name, '--account', account, '--session-tags', '--source-identity']));
      policyFiles.set(arn, file);
    }
    await roleport(['users', 'set-aws-role-arns', 'bob', RO]);
    await roleport(['users', 'set-aws-role-arns', 'alice', `${DS},${RO}`]);
    bob = await startSession('bob', [RO]);
    alice = await startSession('alice', [DS, RO]);
  });
  after(async () => {
    if (dev !== undefined) await stopDev(dev);
    await rm(dir, { recursive: true, force: true });
  });

  test('the demo roles of roleport dev trust exactly the policy roleport aws trust-policy prints', async () => {
    const roles = (JSON.parse(await roleport(['sts', 'role', 'list', '--json'])) as { roles: Array<{ arn: string; trust_policy: unknown }> }).roles;
    for (const arn of [DS, RO]) {
      const generated = JSON.parse(await readFile(policyFiles.get(arn)!, 'utf8')) as unknown;
      assert.deepEqual(roles.find((role) => role.arn === arn)?.trust_policy, generated, arn);
    }
  });

  test("bob's ReadOnly token is refused for DataScientist by STS with AccessDenied, and the broker will not mint him one", async () => {
    const bobToken = await token(bob, RO);
    assert.match(String(decodeJwt(bobToken).sub), /^user:bob:role:222222222222:ReadOnly$/);
    const attack = await assume(DS, bobToken);
    assert.notEqual(attack.code, 0, attack.stdout);
    assert.match(attack.stderr, /\(AccessDenied\) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
    assert.equal(attack.stdout, '');
    // His own role works with the same token.
    const own = await assume(RO, bobToken);
    assert.equal(own.code, 0, own.stderr);
    assert.equal((JSON.parse(own.stdout) as { AssumedRoleUser: { Arn: string } }).AssumedRoleUser.Arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/binding-test');
    // Asking the broker for a DataScientist token: invalid_target, nothing minted.
    const refused = await exchangeToken(endpoints.web, bob, { resource: DS });
    assert.equal(refused.status, 400);
    assert.equal(refused.body['error'], 'invalid_target');
  });

  test("alice's session token works for each of her roles, and each role's token only for its role", async () => {
    for (const [arn, name, other] of [[DS, 'DataScientist', RO], [RO, 'ReadOnly', DS]] as const) {
      const aliceToken = await token(alice, arn);
      const assumed = await assume(arn, aliceToken);
      assert.equal(assumed.code, 0, assumed.stderr);
      const result = JSON.parse(assumed.stdout) as { AssumedRoleUser: { Arn: string }; SubjectFromWebIdentityToken: string };
      assert.equal(result.AssumedRoleUser.Arn, `arn:aws:sts::${arn.split(':')[4]}:assumed-role/${name}/binding-test`);
      assert.equal(result.SubjectFromWebIdentityToken, `user:alice:role:${arn.split(':')[4]}:${name}`);
      const crossed = await assume(other, aliceToken);
      assert.notEqual(crossed.code, 0, `${name}'s token for ${other}`);
      assert.match(crossed.stderr, /AccessDenied/);
    }
  });

  test("policy explain, on the generated policy and bob's token, names the failing :sub condition", async () => {
    const tokenFile = join(dir, 'bob.jwt');
    await writeFile(tokenFile, await token(bob, RO));
    const prefix = endpoints.issuer.replace(/^https?:\/\//, '');
    const json = JSON.parse(await roleport(['policy', 'explain', '--policy', policyFiles.get(DS)!, '--token', tokenFile, '--provider', `arn:aws:iam::111111111111:oidc-provider/${prefix}`, '--json'])) as {
      decision: string;
      failingConditions: Array<{ key: string; actual: string }>;
      sts: { code?: string };
    };
    assert.equal(json.decision, 'deny');
    assert.equal(json.failingConditions[0]!.key, `${prefix}:sub`);
    assert.equal(json.failingConditions[0]!.actual, 'user:bob:role:222222222222:ReadOnly');
    assert.equal(json.sts.code, 'AccessDenied');
    const text = await roleport(['policy', 'explain', '--policy', policyFiles.get(DS)!, '--token', tokenFile, '--provider', `arn:aws:iam::111111111111:oidc-provider/${prefix}`]);
    assert.match(text, new RegExp(`✗ Condition: ${prefix.replace(/[.]/g, '\\.')}:sub is "user:bob:role:222222222222:ReadOnly", expected to match one of \\["user:\\*:role:111111111111:DataScientist"\\] \\(StringLike\\)`));
  });
});
