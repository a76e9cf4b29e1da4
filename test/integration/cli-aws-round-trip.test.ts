import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { runCli } from '../helpers/run-cli.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';

/**
 * The generators' round trip: the trust policy `roleport aws trust-policy` prints, loaded
 * into the local STS, lets the real AWS SDK get credentials with the tokens Roleport mints
 * for the intended subjects and refuses the others — and `roleport policy explain` predicts
 * each answer.
 */

const ACCOUNT = '111111111111';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/DataScientist`;
let broker: TestBroker;
let dir: string;
let policyFile: string;
let sts: STSClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-round-trip-'));
  broker = await startTestBroker({ config: { sts: { enabled: true } } });
  const generated = await runCli(
    ['aws', 'trust-policy', '--role-name', 'DataScientist', '--account', ACCOUNT, '--issuer', broker.issuer, '--sub-like', 'user:alice', '--sub-like', 'user:data-*'],
    { ROLEPORT_DATA_DIR: join(dir, 'data') },
  );
  assert.equal(generated.code, 0, generated.stderr);
  policyFile = join(dir, 'trust.json');
  writeFileSync(policyFile, generated.stdout);
  await broker.app.services.sts.registry.addProvider({ url: broker.issuer, clientIds: ['sts.amazonaws.com'] });
  await broker.app.services.sts.registry.addRole({ arn: ROLE_ARN, trustPolicy: generated.stdout, maxSessionDurationSeconds: 3600 });
  sts = new STSClient({ region: 'us-east-1', endpoint: broker.app.stsUrl()!, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
});

after(async () => {
  sts?.destroy();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function assume(token: string): Promise<{ arn: string } | { error: string }> {
  try {
    const result = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'round-trip', WebIdentityToken: token }));
    return { arn: result.AssumedRoleUser!.Arn! };
  } catch (error) {
    return { error: (error as { name: string }).name };
  }
}

async function explain(token: string): Promise<{ decision: string; sts: { outcome: string; code?: string } }> {
  const run = await runCli(['policy', 'explain', '--policy', policyFile, '--token', '-', '--client-id', 'sts.amazonaws.com', '--json'], { ROLEPORT_DATA_DIR: join(dir, 'data') }, { input: token });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

for (const [subject, allowed] of [
  ['user:alice', true],
  ['user:data-eng', true],
  ['user:bob', false],
  ['content:42', false],
] as const) {
  test(`${subject}: ${allowed ? 'credentials' : 'AccessDenied'}, as explain predicts`, async () => {
    const { token } = await broker.app.services.mintToken({ subject, audience: 'sts.amazonaws.com', actor: 'test' });
    const answer = await assume(token);
    const prediction = await explain(token);
    if (allowed) {
      assert.deepEqual(answer, { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/round-trip` });
      assert.equal(prediction.decision, 'allow');
      assert.equal(prediction.sts.outcome, 'success');
    } else {
      assert.deepEqual(answer, { error: 'AccessDenied' });
      assert.equal(prediction.decision, 'deny');
      assert.equal(prediction.sts.code, 'AccessDenied');
    }
  });
}

test('a token for another audience is refused by both', async () => {
  const { token } = await broker.app.services.mintToken({ subject: 'user:alice', audience: 'roleport-content', actor: 'test' });
  assert.deepEqual(await assume(token), { error: 'InvalidIdentityTokenException' });
  const prediction = await explain(token);
  assert.equal(prediction.sts.code, 'InvalidIdentityToken');
});

test('session tags need --session-tags: refused without, credentials with', async () => {
  const claims = { 'https://aws.amazon.com/tags': { principal_tags: { team: ['data'] }, transitive_tag_keys: ['team'] } };
  const { token } = await broker.app.services.mintToken({ subject: 'user:alice', audience: 'sts.amazonaws.com', claims, actor: 'test' });
  assert.deepEqual(await assume(token), { error: 'AccessDenied' });
  assert.equal((await explain(token)).sts.code, 'AccessDenied');

  const tagged = await runCli(['aws', 'trust-policy', '--role-name', 'DataScientist', '--account', ACCOUNT, '--issuer', broker.issuer, '--sub-like', 'user:alice', '--session-tags'], {
    ROLEPORT_DATA_DIR: join(dir, 'data'),
  });
  await broker.app.services.sts.registry.addRole({ arn: ROLE_ARN, trustPolicy: tagged.stdout, maxSessionDurationSeconds: 3600 });
  writeFileSync(policyFile, tagged.stdout);
  const answer = await assume(token);
  assert.ok('arn' in answer, JSON.stringify(answer));
  assert.equal((await explain(token)).sts.outcome, 'success');

  const { Credentials } = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'alice', WebIdentityToken: token }));
  const caller = new STSClient({
    region: 'us-east-1',
    endpoint: broker.app.stsUrl()!,
    credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! },
  });
  try {
    const identity = await caller.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/alice`);
  } finally {
    caller.destroy();
  }
});
