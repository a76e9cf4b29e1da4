import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { testPostgres, type PostgresHandle } from '../helpers/postgres.ts';
import {
  ACCOUNT,
  AWS_CREDENTIALS_TYPE,
  CONTENT_ROLE,
  CONTENT_TOKEN_TYPE,
  EXCHANGE_GRANT,
  INTEGRATIONS_PATH,
  callerIdentity,
  decodeAccessToken,
  serviceAccountBody,
  startIntegrationsBroker,
  type IntegrationsBroker,
} from './integrations-fixtures.ts';

for (const backend of ['sqlite', 'postgres'] as const) describe(`Service Account integration: API key → content token → exchange → credentials the local STS accepts (${backend})`, () => {
  let broker: IntegrationsBroker;
  let pg: PostgresHandle | undefined;
  let integrationGuid: string;
  let contentGuid: string;

  before(async () => {
    if (backend === 'postgres') pg = await testPostgres();
    broker = await startIntegrationsBroker(pg === undefined ? {} : { databaseUrl: pg.url });
  });
  after(async () => {
    await broker?.close();
    await pg?.stop();
  });

  test('an admin API key creates the integration; the response has the publishing server\'s shape', async () => {
    const created = await broker.api('POST', INTEGRATIONS_PATH, { body: serviceAccountBody() });
    assert.equal(created.status, 201, created.text);
    const body = created.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['config', 'created_time', 'description', 'guid', 'name', 'template', 'updated_time']);
    assert.match(body['guid'] as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(body['template'], 'aws');
    assert.equal(body['name'], 'reports-s3');
    assert.deepEqual(body['config'], { auth_type: 'Service Account', role_arn: CONTENT_ROLE, sts_region: 'us-east-1', session_duration: 3600 });
    assert.match(body['created_time'] as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    integrationGuid = body['guid'] as string;

    const listed = await broker.api('GET', INTEGRATIONS_PATH, { key: broker.publisherKey });
    assert.equal(listed.status, 200);
    assert.deepEqual((listed.body as Array<{ guid: string }>).map((i) => i.guid), [integrationGuid]);
    const shown = await broker.api('GET', `${INTEGRATIONS_PATH}/${integrationGuid}`);
    assert.deepEqual(shown.body, body);
    assert.equal(shown.headers.get('cache-control'), 'no-store');
  });

  test('a publisher registers content and associates the integration once an admin granted it to the content', async () => {
    const content = await broker.api('POST', '/__api__/v1/content', { key: broker.publisherKey, body: { name: 'quarterly-report' } });
    assert.equal(content.status, 201, content.text);
    contentGuid = (content.body as { guid: string }).guid;
    await broker.grant(integrationGuid, contentGuid);
    const associated = await broker.api('PUT', `/__api__/v1/content/${contentGuid}/oauth/integrations/associations`, {
      key: broker.publisherKey,
      body: [{ oauth_integration_guid: integrationGuid }],
    });
    assert.equal(associated.status, 200, associated.text);
    const associations = associated.body as Array<Record<string, unknown>>;
    assert.equal(associations.length, 1);
    assert.equal(associations[0]!['app_guid'], contentGuid);
    assert.equal(associations[0]!['oauth_integration_guid'], integrationGuid);
    assert.equal(associations[0]!['oauth_integration_name'], 'reports-s3');
  });

  test('the content session token is broker-signed, sub content:{guid}, audience roleport-content', async () => {
    const issued = await broker.api('POST', `/__api__/v1/content/${contentGuid}/session-token`, { key: broker.publisherKey });
    assert.equal(issued.status, 200, issued.text);
    const claims = decodeJwt((issued.body as { token: string }).token);
    assert.equal(claims.iss, broker.url);
    assert.equal(claims.sub, `content:${contentGuid}`);
    assert.equal(claims.aud, 'roleport-content');
    assert.equal(claims['token_use'], 'content_session');
    assert.equal(claims['content_guid'], contentGuid);
  });

  test('the exchange returns credentials that GetCallerIdentity accepts as the integration\'s role, and serves them from the cache', async () => {
    const token = ((await broker.api('POST', `/__api__/v1/content/${contentGuid}/session-token`)).body as { token: string }).token;
    const response = await broker.exchange({
      grant_type: EXCHANGE_GRANT,
      subject_token: token,
      subject_token_type: CONTENT_TOKEN_TYPE,
      requested_token_type: AWS_CREDENTIALS_TYPE,
    });
    assert.equal(response.status, 200, response.text);
    const body = response.body as { access_token: string; issued_token_type: string; token_type: string };
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'issued_token_type', 'token_type']);
    assert.equal(body.issued_token_type, AWS_CREDENTIALS_TYPE);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const credentials = decodeAccessToken(body.access_token);
    assert.match(credentials.accessKeyId, /^ASIA/);
    assert.match(credentials.expiration, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const identity = await callerIdentity(broker.stsUrl, credentials);
    assert.equal(identity.Account, ACCOUNT);
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ContentReader/content-${contentGuid}`);

    // Same content, same integration: the cached credentials (15 minutes before expiry is far away).
    const again = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE, audience: integrationGuid });
    assert.equal(again.status, 200, again.text);
    assert.equal(decodeAccessToken((again.body as { access_token: string }).access_token).accessKeyId, credentials.accessKeyId);

    // The audit log joins the content, the integration and the AWS access key.
    await broker.app.services.audit.flush();
    const events = await broker.app.services.repositories.auditEvents.query({ type: 'integration.credentials_issued', limit: 10 });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.roleArn, CONTENT_ROLE);
    assert.equal(events[0]!.details?.['access_key_id'], credentials.accessKeyId);
    assert.equal(events[0]!.details?.['content_guid'], contentGuid);
  });

  test('a PATCH that changes the role drops the cached credentials; DELETE removes the integration and its associations', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/ContentWriter`;
    const prefix = broker.url.replace(/^http:\/\//, '');
    await broker.addRole(other, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${prefix}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${prefix}:sub`]: 'content:*' } } }],
    });
    const patched = await broker.api('PATCH', `${INTEGRATIONS_PATH}/${integrationGuid}`, { body: { config: { role_arn: other } } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((patched.body as { config: { role_arn: string } }).config.role_arn, other);
    const token = ((await broker.api('POST', `/__api__/v1/content/${contentGuid}/session-token`)).body as { token: string }).token;
    const response = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE });
    assert.equal(response.status, 200, response.text);
    const identity = await callerIdentity(broker.stsUrl, decodeAccessToken((response.body as { access_token: string }).access_token));
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ContentWriter/content-${contentGuid}`);

    const deleted = await broker.api('DELETE', `${INTEGRATIONS_PATH}/${integrationGuid}`);
    assert.equal(deleted.status, 204);
    assert.equal((await broker.api('GET', `${INTEGRATIONS_PATH}/${integrationGuid}`)).status, 404);
    const associations = await broker.api('GET', `/__api__/v1/content/${contentGuid}/oauth/integrations/associations`);
    assert.deepEqual(associations.body, []);
    const refused = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE });
    assert.equal(refused.status, 400);
    assert.equal((refused.body as { error: string }).error, 'invalid_target');
  });
});
