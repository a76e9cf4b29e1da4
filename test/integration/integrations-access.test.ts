import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testPostgres, type PostgresHandle } from '../helpers/postgres.ts';
import {
  ACCOUNT,
  CONTENT_TOKEN_TYPE,
  EXCHANGE_GRANT,
  INTEGRATIONS_PATH,
  callerIdentity,
  decodeAccessToken,
  serviceAccountBody,
  startIntegrationsBroker,
  viewerBody,
  type IntegrationsBroker,
} from './integrations-fixtures.ts';

/**
 * Issue 10, item 4 (who may use an integration), as the review found it: a publisher key
 * attaches an admin-created Service Account integration to its own content and exchanges for
 * its role. An integration's access list (the content an admin allowed) decides: associating
 * an integration not granted to the content is 403, and the credentials exchange checks the
 * list at every call — so a grant withdrawn later, or an association made before this check
 * existed, gets 403 `access_denied`, cached credentials or not.
 */
for (const backend of ['sqlite', 'postgres'] as const) describe(`integration access lists (${backend})`, () => {
  let broker: IntegrationsBroker;
  let pg: PostgresHandle | undefined;
  let integrationGuid: string;

  const associationsPath = (content: string) => `/__api__/v1/content/${content}/oauth/integrations/associations`;
  const accessPath = () => `${INTEGRATIONS_PATH}/${integrationGuid}/access`;
  const newContent = async (name: string): Promise<string> => {
    const created = await broker.api('POST', '/__api__/v1/content', { key: broker.publisherKey, body: { name } });
    assert.equal(created.status, 201, created.text);
    return (created.body as { guid: string }).guid;
  };
  const exchangeAs = async (content: string, extra: Record<string, string> = {}) => {
    const token = ((await broker.api('POST', `/__api__/v1/content/${content}/session-token`, { key: broker.publisherKey })).body as { token: string }).token;
    return broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE, ...extra });
  };

  before(async () => {
    if (backend === 'postgres') pg = await testPostgres();
    broker = await startIntegrationsBroker(pg === undefined ? {} : { databaseUrl: pg.url });
    integrationGuid = ((await broker.api('POST', INTEGRATIONS_PATH, { body: serviceAccountBody() })).body as { guid: string }).guid;
  });
  after(async () => {
    await broker?.close();
    await pg?.stop();
  });

  test('a publisher key attaching an integration it was not granted: 403, nothing associated', async () => {
    const own = await newContent('attacker-app');
    const attached = await broker.api('PUT', associationsPath(own), { key: broker.publisherKey, body: [{ oauth_integration_guid: integrationGuid }] });
    assert.equal(attached.status, 403, attached.text);
    const refused = attached.body as { roleport_code: string; error: string };
    assert.equal(refused.roleport_code, 'ERR_FORBIDDEN');
    assert.equal(refused.error, `integration ${integrationGuid} is not granted to content ${own}; an admin grants it (roleport integrations access <integration> --add ${own})`);
    assert.deepEqual((await broker.api('GET', associationsPath(own), { key: broker.publisherKey })).body, []);
    // Nor can it grant itself: the access list is the admins'.
    const selfGrant = await broker.api('PUT', accessPath(), { key: broker.publisherKey, body: [{ content_guid: own }] });
    assert.equal(selfGrant.status, 403);
    assert.deepEqual((await broker.api('GET', accessPath(), { key: broker.publisherKey })).body, []);
    // Its content has no usable integration, so the exchange has nothing to give.
    const exchanged = await exchangeAs(own);
    assert.equal(exchanged.status, 400);
    assert.equal((exchanged.body as { error: string }).error, 'invalid_target');
  });

  test('granted content works; once the grant is withdrawn the exchange is 403 access_denied, cached credentials or not', async () => {
    const report = await newContent('quarterly');
    const granted = await broker.api('PUT', accessPath(), { body: [{ content_guid: report }] });
    assert.equal(granted.status, 200, granted.text);
    const entries = granted.body as Array<{ content_guid: string; granted_time: string; granted_by: string }>;
    assert.deepEqual(entries.map((entry) => [entry.content_guid, entry.granted_by]), [[report, 'api-key:test-admin']]);
    assert.match(entries[0]!.granted_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal((await broker.api('PUT', associationsPath(report), { key: broker.publisherKey, body: [{ oauth_integration_guid: integrationGuid }] })).status, 200);

    const first = await exchangeAs(report);
    assert.equal(first.status, 200, first.text);
    const identity = await callerIdentity(broker.stsUrl, decodeAccessToken((first.body as { access_token: string }).access_token));
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ContentReader/content-${report}`);

    const withdrawn = await broker.api('PUT', accessPath(), { body: [] });
    assert.deepEqual(withdrawn.body, []);
    const refused = await exchangeAs(report);
    assert.equal(refused.status, 403, refused.text);
    assert.equal((refused.body as { error: string }).error, 'access_denied');
    assert.match((refused.body as { error_description: string }).error_description, new RegExp(`integration reports-s3 \\(${integrationGuid}\\) is not granted to content quarterly`));
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    // Naming the integration as audience changes nothing.
    const named = await exchangeAs(report, { audience: integrationGuid });
    assert.equal(named.status, 403);

    await broker.app.services.audit.flush();
    const events = await broker.app.services.repositories.auditEvents.query({ type: 'integration.access_set', limit: 10 });
    const details = events.map((event) => event.details as { granted: string[]; withdrawn: string[] }).filter((d) => d.granted.includes(report) || d.withdrawn.includes(report));
    assert.deepEqual(details.map((d) => [d.granted, d.withdrawn]).reverse(), [[[report], []], [[], [report]]]);
  });

  test('an association made before access lists existed (as an upgraded database holds it) is refused at the exchange', async () => {
    const legacy = await newContent('legacy-dashboard');
    await broker.app.services.store.db.insertInto('content_integrations').values({ content_guid: legacy, integration_guid: integrationGuid, created_at: Date.now() }).execute();
    const refused = await exchangeAs(legacy);
    assert.equal(refused.status, 403, refused.text);
    assert.equal((refused.body as { error: string }).error, 'access_denied');
    // An admin grants it: the same association works.
    await broker.grant(integrationGuid, legacy);
    assert.equal((await exchangeAs(legacy)).status, 200);
  });

  test('a Viewer integration not granted to the content is never offered to its viewers for authorization', async () => {
    const viewerIntegration = ((await broker.api('POST', INTEGRATIONS_PATH, { body: viewerBody() })).body as { guid: string }).guid;
    const dashboard = await newContent('viewer-dashboard');
    await broker.app.services.store.db.insertInto('content_integrations').values({ content_guid: dashboard, integration_guid: viewerIntegration, created_at: Date.now() }).execute();
    const { viewer } = broker.app.services.integrations;
    assert.deepEqual(await viewer.pendingAuthorizations('alice', dashboard), []);
    await broker.grant(viewerIntegration, dashboard);
    assert.deepEqual((await viewer.pendingAuthorizations('alice', dashboard)).map((integration) => integration.guid), [viewerIntegration]);
  });

  test('the access list names existing content and integrations; deleting content takes it off the list', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const unknownContent = await broker.api('PUT', accessPath(), { body: [{ content_guid: missing }] });
    assert.equal(unknownContent.status, 404);
    assert.equal((unknownContent.body as { error: string }).error, `no content ${missing}`);
    assert.equal((await broker.api('GET', `${INTEGRATIONS_PATH}/${missing}/access`)).status, 404);
    const gone = await newContent('short-lived');
    await broker.grant(integrationGuid, gone);
    assert.ok(((await broker.api('GET', accessPath())).body as Array<{ content_guid: string }>).some((entry) => entry.content_guid === gone));
    assert.equal((await broker.api('DELETE', `/__api__/v1/content/${gone}`)).status, 204);
    assert.ok(!((await broker.api('GET', accessPath())).body as Array<{ content_guid: string }>).some((entry) => entry.content_guid === gone));
  });
});
