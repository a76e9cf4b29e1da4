import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { decodeJwt } from 'jose';
import { writeFileAtomically } from '../../src/core/index.ts';
import { DS, RO, exchangeToken, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';
import { withEnv } from '../helpers/env.ts';
import type { SessionJson } from '../../src/sessions/index.ts';

/**
 * Session tokens as AWS sees them: the real AWS SDK v3, pointed at the local STS, trades a
 * session's token for role credentials — a broker-signed token (with session tags and source
 * identity) and a viewer session's IdP ID token — and `GetCallerIdentity` names the role and
 * the session name the session chose. The viewer source rides out an IdP outage as
 * `temporarily_unavailable` and recovers.
 */
describe('session tokens through the AWS SDK and the local STS', () => {
  let env: SessionsEnv;
  let dir: string;
  let userToken: string;
  let stsUrl: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sessions-sts-'));
    // IdP ID tokens shorter than the broker's 5-minute reuse window: every viewer request refreshes at the IdP.
    env = await startSessionsEnv({
      sts: true,
      idpTtl: { idToken: 120 },
      config: { sessions: { tags: { user: ['username'], session: ['session_id', 'role_name'], transitiveTagKeys: ['username'] }, sourceIdentityTemplate: '{username}' } },
    });
    stsUrl = env.stsUrl!;
    await env.signIn('alice');
    userToken = (await env.broker.app.services.sessions.userTokens.create({ userName: 'alice', actor: 'test' })).token;
  });
  after(async () => {
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const startSession = async (body: Record<string, unknown>): Promise<{ session: SessionJson; credential: string }> => {
    const response = await fetch(`${env.url}/api/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await response.json()) as { session: SessionJson; credential: string };
    assert.equal(response.status, 201, JSON.stringify(json));
    return json;
  };

  test('broker session: fromTokenFile gets credentials; GetCallerIdentity is assumed-role/<role>/<session name> for each role', async () => {
    const { session, credential } = await startSession({ roles: [DS, RO] });
    // alice's IdP sends aws_role_session_name "alice": it wins over the template.
    assert.deepEqual(session.roles.map((r) => r.session_name), ['alice', 'alice']);
    for (const [role, account, name] of [[DS, '111111111111', 'DataScientist'], [RO, '222222222222', 'ReadOnly']] as const) {
      const issued = await exchangeToken(env.url, credential, { resource: role });
      assert.equal(issued.status, 200);
      const file = join(dir, `token-${name}`);
      writeFileAtomically(file, issued.body['access_token'] as string);
      const sessionName = session.roles.find((r) => r.arn === role)!.session_name;
      const credentials = await withEnv(
        { AWS_ROLE_ARN: role, AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_SESSION_NAME: sessionName, AWS_ENDPOINT_URL_STS: stsUrl, AWS_REGION: 'us-east-1' },
        () => fromTokenFile()(),
      );
      const identity = await new STSClient({ region: 'us-east-1', endpoint: stsUrl, credentials, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, `arn:aws:sts::${account}:assumed-role/${name}/${sessionName}`);
      assert.equal(identity.Account, account);
    }
  });

  test('a token minted for one role of the session is refused by the other role\'s generated trust policy (AccessDenied)', async () => {
    const { credential } = await startSession({ roles: [DS, RO] });
    const forDs = (await exchangeToken(env.url, credential, { resource: DS })).body['access_token'] as string;
    const sts = new STSClient({ region: 'us-east-1', endpoint: stsUrl, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
    await assert.rejects(
      sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: RO, RoleSessionName: 'alice', WebIdentityToken: forDs })),
      (error: unknown) => error instanceof Error && error.name === 'AccessDenied' && /Not authorized to perform sts:AssumeRoleWithWebIdentity/.test(error.message),
    );
    assert.ok((await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: DS, RoleSessionName: 'alice', WebIdentityToken: forDs }))).Credentials?.AccessKeyId);
  });

  test('broker tokens carry the allow-listed session tags and the source identity, and STS accepts them', async () => {
    const { session, credential } = await startSession({ roles: [DS] });
    const issued = await exchangeToken(env.url, credential);
    const claims = decodeJwt(issued.body['access_token'] as string);
    assert.deepEqual(claims['https://aws.amazon.com/tags'], {
      principal_tags: { username: ['alice'], session_id: [session.id], role_name: ['DataScientist'] },
      transitive_tag_keys: ['username'],
    });
    assert.equal(claims['https://aws.amazon.com/source_identity'], 'alice');
    const sts = new STSClient({ region: 'us-east-1', endpoint: stsUrl, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
    const assumed = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: DS, RoleSessionName: session.roles[0]!.session_name, WebIdentityToken: issued.body['access_token'] as string }));
    assert.equal(assumed.SourceIdentity, 'alice');
    assert.equal(assumed.SubjectFromWebIdentityToken, 'user:alice:role:111111111111:DataScientist');
    assert.equal(assumed.AssumedRoleUser?.Arn, 'arn:aws:sts::111111111111:assumed-role/DataScientist/alice');
  });

  test('viewer session: the token is the IdP\'s own ID token, which STS accepts through the IdP provider', async () => {
    const { session, credential } = await startSession({ roles: [DS], token_source: 'viewer' });
    const issued = await exchangeToken(env.url, credential);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const token = issued.body['access_token'] as string;
    const claims = decodeJwt(token);
    assert.equal(claims.iss, env.idp.issuer);
    assert.equal(claims.aud, 'roleport');
    assert.equal(claims.sub, 'alice');
    assert.ok((issued.body['expires_in'] as number) <= 120);

    const sts = new STSClient({ region: 'us-east-1', endpoint: stsUrl, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
    const assumed = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: DS, RoleSessionName: session.roles[0]!.session_name, WebIdentityToken: token }));
    assert.equal(assumed.AssumedRoleUser?.Arn, 'arn:aws:sts::111111111111:assumed-role/DataScientist/alice');

    await env.broker.app.services.audit.flush();
    const minted = await env.broker.app.services.repositories.auditEvents.query({ sessionId: session.id, type: 'token.minted' });
    assert.equal(minted[0]?.details?.['token_source'], 'viewer');
    assert.equal(minted[0]?.userName, 'alice');
    assert.equal(minted[0]?.roleArn, DS);
  });

  test('viewer session through an IdP outage: temporarily_unavailable (503) while it is down, fresh tokens when it is back', async () => {
    const { credential } = await startSession({ roles: [DS], token_source: 'viewer' });
    const first = await exchangeToken(env.url, credential);
    assert.equal(first.status, 200);
    env.idp.setOutage('down');
    try {
      const during = await exchangeToken(env.url, credential);
      assert.equal(during.status, 503);
      assert.equal(during.body['error'], 'temporarily_unavailable');
    } finally {
      env.idp.setOutage('none');
    }
    const after = await exchangeToken(env.url, credential);
    assert.equal(after.status, 200, JSON.stringify(after.body));
    const claims = decodeJwt(after.body['access_token'] as string);
    assert.equal(claims.iss, env.idp.issuer);
    assert.ok(claims.exp! * 1000 > Date.now(), 'a valid token once the IdP is back');
  });

  test('a revoked session gets invalid_grant; the token it already holds still works at STS until it expires', async () => {
    const { session, credential } = await startSession({ roles: [DS] });
    const issued = await exchangeToken(env.url, credential);
    await env.broker.app.services.sessions.revoke(session.id, { name: 'test', admin: true });
    const refused = await exchangeToken(env.url, credential);
    assert.equal(refused.status, 400);
    assert.equal(refused.body['error'], 'invalid_grant');
    const sts = new STSClient({ region: 'us-east-1', endpoint: stsUrl, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
    const assumed = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: DS, RoleSessionName: 'alice', WebIdentityToken: issued.body['access_token'] as string }));
    assert.ok(assumed.Credentials?.AccessKeyId !== undefined);
  });
});
