import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { runCli } from '../helpers/run-cli.ts';
import { ACCOUNT, AUDIENCE, ROLE_ARN, assumeParams, postQuery, startStsBroker, webIdentityTrustPolicy, xmlText, type QueryResult, type StsBroker } from './sts-fixture.ts';

/**
 * Trust policies deciding AssumeRole*: denials, explicit Deny, session tags (which need
 * `sts:TagSession`), source identity (`sts:SetSourceIdentity`), what chaining carries over,
 * and admin changes reaching a running STS without a restart.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
 */
const TAGS = 'https://aws.amazon.com/tags';
const SOURCE_IDENTITY = 'https://aws.amazon.com/source_identity';
const TAGGING_ROLE = `arn:aws:iam::${ACCOUNT}:role/Tagged`;
const CHAINED_ROLE = `arn:aws:iam::${ACCOUNT}:role/TeamData`;

async function signedAssumeRole(sts: StsBroker, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }, params: Record<string, string>): Promise<QueryResult> {
  const url = new URL(sts.stsUrl);
  const body = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', ...params }).toString();
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(new HttpRequest({ method: 'POST', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' }, body }));
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
  const response = await fetch(sts.stsUrl, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text, requestId: response.headers.get('x-amzn-requestid'), code: xmlText(text, 'Code'), message: xmlText(text, 'Message') };
}

function credentialsOf(result: QueryResult): { accessKeyId: string; secretAccessKey: string; sessionToken: string } {
  return { accessKeyId: xmlText(result.body, 'AccessKeyId')!, secretAccessKey: xmlText(result.body, 'SecretAccessKey')!, sessionToken: xmlText(result.body, 'SessionToken')! };
}

describe('trust policies decide', () => {
  let sts: StsBroker;

  before(async () => {
    sts = await startStsBroker();
    await sts.addRole(
      TAGGING_ROLE,
      webIdentityTrustPolicy(sts.prefix, sts.providerArn(), {
        actions: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'],
        extraStatements: [{ Sid: 'NoMallory', Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringEquals: { [`${sts.prefix}:sub`]: 'user:mallory' } } }],
      }),
    );
    // A second role that sessions of Tagged may chain into, only when their team tag says data.
    await sts.addRole(CHAINED_ROLE, {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: TAGGING_ROLE }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'], Condition: { StringEquals: { 'aws:PrincipalTag/team': 'data' } } },
      ],
    });
  });
  after(() => sts?.close());

  test('a subject the policy does not match → 403 AccessDenied, nothing stored', async () => {
    const stored = await sts.credentialCount();
    const result = await postQuery(sts.stsUrl, assumeParams((await sts.mint('service:ci'))));
    assert.equal(result.status, 403);
    assert.equal(result.code, 'AccessDenied');
    assert.equal(result.message, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    assert.equal(await sts.credentialCount(), stored);
  });

  test('an explicit Deny beats the Allow that matches', async () => {
    const allowed = await postQuery(sts.stsUrl, assumeParams((await sts.mint('user:alice')), { RoleArn: TAGGING_ROLE }));
    assert.equal(allowed.status, 200, allowed.body);
    const denied = await postQuery(sts.stsUrl, assumeParams((await sts.mint('user:mallory')), { RoleArn: TAGGING_ROLE }));
    assert.equal(denied.code, 'AccessDenied');
  });

  test('session tags in the token need sts:TagSession', async () => {
    const token = (await sts.mint('user:alice', { [TAGS]: { principal_tags: { team: ['data'], cost: ['42'] }, transitive_tag_keys: ['team'] } }));
    const denied = await postQuery(sts.stsUrl, assumeParams(token));
    assert.equal(denied.status, 403);
    assert.equal(denied.code, 'AccessDenied');
    assert.equal(denied.message, 'Not authorized to perform sts:TagSession');

    const allowed = await postQuery(sts.stsUrl, assumeParams(token, { RoleArn: TAGGING_ROLE }));
    assert.equal(allowed.status, 200, allowed.body);
    assert.match(xmlText(allowed.body, 'PackedPolicySize') ?? '', /^[1-9]\d*$/);
  });

  test('a source identity in the token needs sts:SetSourceIdentity and is returned', async () => {
    const token = (await sts.mint('user:alice', { [SOURCE_IDENTITY]: 'alice@example.com' }));
    const denied = await postQuery(sts.stsUrl, assumeParams(token));
    assert.equal(denied.code, 'AccessDenied');
    assert.equal(denied.message, 'Not authorized to perform sts:SetSourceIdentity');
    const allowed = await postQuery(sts.stsUrl, assumeParams(token, { RoleArn: TAGGING_ROLE }));
    assert.equal(allowed.status, 200, allowed.body);
    assert.equal(xmlText(allowed.body, 'SourceIdentity'), 'alice@example.com');
  });

  test('chaining carries transitive tags (aws:PrincipalTag) and the source identity, which cannot change', async () => {
    const withTeam = (team: string): Promise<string> =>
      (sts.mint('user:alice', { [TAGS]: { principal_tags: { team: [team] }, transitive_tag_keys: ['team'] }, [SOURCE_IDENTITY]: 'alice' }));
    const data = credentialsOf(await postQuery(sts.stsUrl, assumeParams(await withTeam('data'), { RoleArn: TAGGING_ROLE })));
    const chained = await signedAssumeRole(sts, data, { RoleArn: CHAINED_ROLE, RoleSessionName: 'chained' });
    assert.equal(chained.status, 200, chained.body);
    assert.equal(xmlText(chained.body, 'SourceIdentity'), 'alice');

    const changed = await signedAssumeRole(sts, data, { RoleArn: CHAINED_ROLE, RoleSessionName: 'chained', SourceIdentity: 'mallory' });
    assert.equal(changed.code, 'ValidationError');

    const ops = credentialsOf(await postQuery(sts.stsUrl, assumeParams(await withTeam('ops'), { RoleArn: TAGGING_ROLE })));
    const refused = await signedAssumeRole(sts, ops, { RoleArn: CHAINED_ROLE, RoleSessionName: 'chained' });
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message ?? '', /^User: arn:aws:sts::111111111111:assumed-role\/Tagged\/alice is not authorized to perform: sts:AssumeRole on resource: /);
  });

  test('more than 50 session tags → PackedPolicyTooLarge; a malformed tags claim → InvalidIdentityToken', async () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ['v']]));
    const tooMany = await postQuery(sts.stsUrl, assumeParams((await sts.mint('user:alice', { [TAGS]: { principal_tags: many } })), { RoleArn: TAGGING_ROLE }));
    assert.equal(tooMany.code, 'PackedPolicyTooLarge');
    const malformed = await postQuery(sts.stsUrl, assumeParams((await sts.mint('user:alice', { [TAGS]: { principal_tags: { team: 'data' } } })), { RoleArn: TAGGING_ROLE }));
    assert.equal(malformed.code, 'InvalidIdentityToken');
    assert.match(malformed.message ?? '', /principal_tags\.team must be an array holding one string/);
  });
});

describe('admin changes reach a running STS', () => {
  let sts: StsBroker;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-reload-'));
    sts = await startStsBroker();
  });
  after(async () => {
    await sts?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Polls until `check` holds, for at most five seconds (the contract's bound). */
  async function within5s(check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 5000) {
      if (await check()) return Date.now() - started;
      await delay(100);
    }
    assert.fail('the running STS did not serve the change within 5 seconds');
  }

  test('`roleport sts role add` and `remove` by another process are served without a restart', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/AddedLater`;
    const policyFile = join(dir, 'trust.json');
    await writeFile(policyFile, JSON.stringify(webIdentityTrustPolicy(sts.prefix, sts.providerArn())));
    const env = { ROLEPORT_DATA_DIR: sts.broker.dataDir };
    const attempt = async (): Promise<QueryResult> => postQuery(sts.stsUrl, assumeParams((await sts.mint('user:alice')), { RoleArn: arn }));
    assert.equal((await attempt()).code, 'AccessDenied');

    const added = await runCli(['sts', 'role', 'add', '--arn', arn, '--trust-policy', policyFile], env);
    assert.equal(added.code, 0, added.stderr);
    await within5s(async () => (await attempt()).status === 200);

    const removed = await runCli(['sts', 'role', 'remove', '--arn', arn], env);
    assert.equal(removed.code, 0, removed.stderr);
    await within5s(async () => (await attempt()).code === 'AccessDenied');
  });
});

describe('providers and roles from the configuration file', () => {
  let sts: StsBroker;
  before(async () => {
    // The issuer URL is only known once the port is: start once to learn it, then restart with it in the config.
    const probe = await startStsBroker({ register: false });
    const port = probe.broker.port;
    const issuer = probe.issuer;
    await probe.close();
    const prefix = issuer.replace('http://', '');
    sts = await startStsBroker({
      port,
      register: false,
      sts: {
        providers: [{ url: issuer, clientIds: [AUDIENCE] }],
        roles: [{ arn: ROLE_ARN, trustPolicy: JSON.stringify(webIdentityTrustPolicy(prefix, `arn:aws:iam::${ACCOUNT}:oidc-provider/${prefix}`)), maxSessionDurationSeconds: 7200 }],
      },
    });
  });
  after(() => sts?.close());

  test('are served, listed as config, and cannot be removed through the database', async () => {
    const result = await postQuery(sts.stsUrl, assumeParams((await sts.mint('user:alice')), { DurationSeconds: '7200' }));
    assert.equal(result.status, 200, result.body);
    const registry = sts.broker.app.services.sts.registry;
    assert.deepEqual((await registry.listRoles()).map((role) => [role.arn.arn, role.source]), [[ROLE_ARN, 'config']]);
    await assert.rejects(registry.removeRole(ROLE_ARN), /comes from the configuration file \(sts\.roles\)/);
  });
});
