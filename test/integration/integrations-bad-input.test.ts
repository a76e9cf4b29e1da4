import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT, generateKeyPair } from 'jose';
import {
  CONTENT_TOKEN_TYPE,
  EXCHANGE_GRANT,
  INTEGRATIONS_PATH,
  USER_TOKEN_TYPE,
  VIEWER_CLIENT_SECRET as SECRET,
  serviceAccountBody,
  startIntegrationsBroker,
  viewerBody,
  type IntegrationsBroker,
} from './integrations-fixtures.ts';
import { tamperEnd } from '../helpers/tamper.ts';

describe('integrations: bad input is refused with a clear error and nothing changes', () => {
  let broker: IntegrationsBroker;
  let contentGuid: string;
  let integrationGuid: string;

  before(async () => {
    broker = await startIntegrationsBroker();
    integrationGuid = ((await broker.api('POST', INTEGRATIONS_PATH, { body: serviceAccountBody() })).body as { guid: string }).guid;
    contentGuid = ((await broker.api('POST', '/__api__/v1/content', { body: { name: 'dash' } })).body as { guid: string }).guid;
    await broker.grant(integrationGuid, contentGuid);
    await broker.api('PUT', `/__api__/v1/content/${contentGuid}/oauth/integrations/associations`, { body: [{ oauth_integration_guid: integrationGuid }] });
  });
  after(() => broker?.close());

  const integrationCount = async (): Promise<number> => ((await broker.api('GET', INTEGRATIONS_PATH)).body as unknown[]).length;

  test('no key, a wrong key, a revoked key: 401 and nothing created; a publisher key may not create: 403', async () => {
    const before = await integrationCount();
    const revoked = await broker.app.services.integrations.apiKeys.create({ name: 'soon-gone', role: 'admin', actor: { name: 'test' } });
    await broker.app.services.integrations.apiKeys.revoke(revoked.id, { name: 'test' });
    const wrong = tamperEnd(broker.adminKey, 4);
    for (const [key, label] of [[null, 'no key'], ['not-a-key', 'garbage'], [wrong, 'wrong secret'], [revoked.key, 'revoked']] as const) {
      const response = await broker.api('POST', INTEGRATIONS_PATH, { key, body: serviceAccountBody({ name: `x-${label}` }) });
      assert.equal(response.status, 401, label);
      assert.equal((response.body as { roleport_code: string }).roleport_code, 'ERR_UNAUTHENTICATED', label);
      assert.equal(response.headers.get('www-authenticate'), 'Key realm="roleport"', label);
      assert.equal((await broker.api('GET', INTEGRATIONS_PATH, { key })).status, 401, label);
    }
    // The scheme matters: a Bearer header with the right key is no API key.
    const bearer = await fetch(`${broker.url}${INTEGRATIONS_PATH}`, { headers: { authorization: `Bearer ${broker.adminKey}` } });
    assert.equal(bearer.status, 401);
    const publisher = await broker.api('POST', INTEGRATIONS_PATH, { key: broker.publisherKey, body: serviceAccountBody({ name: 'by-publisher' }) });
    assert.equal(publisher.status, 403);
    assert.equal(await integrationCount(), before);
  });

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown template', serviceAccountBody({ template: 'gcp' }), /unknown template "gcp"/],
    ['missing template', serviceAccountBody({ template: undefined }), /template is required/],
    ['unknown top-level field', serviceAccountBody({ colour: 'blue' }), /unknown field "colour"/],
    ['unknown config field', serviceAccountBody({}, { colour: 'blue' }), /unknown field "config.colour"/],
    ['unknown auth_type', serviceAccountBody({}, { auth_type: 'Robot' }), /config.auth_type must be "Viewer" or "Service Account"/],
    ['invalid role_arn', serviceAccountBody({}, { role_arn: 'arn:aws:iam::12345:role/x' }), /config.role_arn .* is not a valid IAM role ARN: account "12345" is not 12 digits/],
    ['session_duration too short', serviceAccountBody({}, { session_duration: 899 }), /config.session_duration must be a whole number of seconds between 900 and 43200/],
    ['session_duration too long', serviceAccountBody({}, { session_duration: 43201 }), /config.session_duration must be/],
    ['bad region', serviceAccountBody({}, { sts_region: 'mars' }), /config.sts_region "mars" is not an AWS region/],
    ['Viewer field on a Service Account', serviceAccountBody({}, { client_id: 'x' }), /config.client_id is not used by Service Account integrations/],
    ['Viewer without client_id', viewerBody({ client_id: undefined }), /config.client_id is required/],
    ['Viewer without token_uri', viewerBody({ token_uri: undefined }), /config.token_uri is required/],
    ['Confidential without client_secret', viewerBody({ client_secret: undefined }), /config.client_secret is required for a Confidential integration/],
    ['Public with a client_secret', viewerBody({ auth_mode: 'Public', token_endpoint_auth_method: 'none' }), /config.client_secret must not be set for a Public integration/],
    ['Public without PKCE', viewerBody({ auth_mode: 'Public', token_endpoint_auth_method: undefined, client_secret: undefined, use_pkce: false }), /needs PKCE/],
    ['scopes without offline_access', viewerBody({ scopes: 'openid profile' }), /config.scopes must include offline_access/],
    ['scopes without openid', viewerBody({ scopes: 'offline_access' }), /config.scopes must include openid/],
    ['not a URL', viewerBody({ authorization_uri: 'auth-here' }), /config.authorization_uri "auth-here" is not a URL/],
  ];
  for (const [label, body, message] of invalid) {
    test(`create: ${label} → 400 naming it`, async () => {
      const before = await integrationCount();
      const response = await broker.api('POST', INTEGRATIONS_PATH, { body: JSON.parse(JSON.stringify(body)) });
      assert.equal(response.status, 400, response.text);
      assert.equal((response.body as { roleport_code: string }).roleport_code, 'ERR_INPUT_INVALID');
      assert.match((response.body as { error: string }).error, message);
      assert.ok(!response.text.includes(SECRET), 'the secret is not echoed');
      assert.equal(await integrationCount(), before);
    });
  }

  test('unknown integration guid: 404 on GET, PATCH and DELETE; unknown audience in the exchange: invalid_target', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const response = await broker.api(method, `${INTEGRATIONS_PATH}/${unknown}`, method === 'PATCH' ? { body: { name: 'x' } } : {});
      assert.equal(response.status, 404, method);
      assert.match((response.body as { error: string }).error, new RegExp(`no integration ${unknown}`));
    }
    assert.equal((await broker.api('GET', `${INTEGRATIONS_PATH}/not-a-guid`)).status, 404);
    const token = (await broker.app.services.integrations.issueContentSessionToken(contentGuid, { name: 'test' })).token;
    const response = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE, audience: unknown });
    assert.equal(response.status, 400);
    assert.equal((response.body as { error: string }).error, 'invalid_target');
    assert.match((response.body as { error_description: string }).error_description, new RegExp(`audience ${unknown} is not a Service Account integration of content dash`));
  });

  test('a user session token sent as a content session token: invalid_grant', async () => {
    const userToken = (await broker.app.services.integrations.issueUserSessionToken('alice', contentGuid)).token;
    const response = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: userToken, subject_token_type: CONTENT_TOKEN_TYPE });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, {
      error: 'invalid_grant',
      error_description: 'the subject_token is a user session token, not a content session token as subject_token_type says',
      code: 26,
      payload: null,
      roleport_code: 'ERR_GRANT_INVALID',
    });
    // And the other way round.
    const contentToken = (await broker.app.services.integrations.issueContentSessionToken(contentGuid, { name: 'test' })).token;
    const reversed = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: contentToken, subject_token_type: USER_TOKEN_TYPE });
    assert.equal((reversed.body as { error: string }).error, 'invalid_grant');
    assert.match((reversed.body as { error_description: string }).error_description, /is a content session token, not a user session token/);
  });

  test('an expired subject token, a token of another issuer, and a token for AWS: invalid_grant', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: broker.url, sub: `content:${contentGuid}`, aud: 'roleport-content', token_use: 'content_session', content_guid: contentGuid };
    const expired = await broker.sign({ ...base, iat: now - 7200, exp: now - 3600 });
    const response = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: expired, subject_token_type: CONTENT_TOKEN_TYPE });
    assert.equal(response.status, 400);
    // RFC 6749's fields, and the ones the publishing server's SDK reads (code, payload) with Roleport's code.
    assert.deepEqual(response.body, { error: 'invalid_grant', error_description: 'the subject_token (a content session token) has expired', code: 26, payload: null, roleport_code: 'ERR_GRANT_INVALID' });

    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ ...base, iat: now, exp: now + 600 }).setProtectedHeader({ alg: 'RS256', kid: broker.app.services.keys.signingKey().kid }).sign(privateKey);
    const refused = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: foreign, subject_token_type: CONTENT_TOKEN_TYPE });
    assert.equal((refused.body as { error: string }).error, 'invalid_grant');
    assert.match((refused.body as { error_description: string }).error_description, /not a content session token signed by this broker/);

    const forAws = await broker.sign({ ...base, aud: 'sts.amazonaws.com', iat: now, exp: now + 600 });
    const wrongAudience = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: forAws, subject_token_type: CONTENT_TOKEN_TYPE });
    assert.match((wrongAudience.body as { error_description: string }).error_description, /its audience is not roleport-content/);
  });

  test('malformed exchange requests: invalid_request / unsupported_grant_type, as OAuth JSON', async () => {
    const token = (await broker.app.services.integrations.issueContentSessionToken(contentGuid, { name: 'test' })).token;
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ grant_type: 'client_credentials' }, 'unsupported_grant_type', /grant_type must be urn:ietf:params:oauth:grant-type:token-exchange/],
      [{ grant_type: EXCHANGE_GRANT, subject_token_type: CONTENT_TOKEN_TYPE }, 'invalid_request', /subject_token is missing/],
      [{ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: 'urn:x' }, 'invalid_request', /subject_token_type must be/],
      [{ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE, requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, 'invalid_request', /requested_token_type must be urn:ietf:params:aws:token-type:credentials/],
    ];
    for (const [params, error, description] of cases) {
      const response = await broker.exchange(params);
      assert.equal(response.status, 400, JSON.stringify(params));
      assert.equal((response.body as { error: string }).error, error);
      assert.match((response.body as { error_description: string }).error_description, description);
    }
    const json = await fetch(`${broker.url}/__api__/v1/oauth/integrations/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE }),
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { error: string }).error, 'invalid_request');
  });

  test('session_duration above the role\'s maximum: the STS error comes back with its code', async () => {
    const long = await broker.api('POST', INTEGRATIONS_PATH, { body: serviceAccountBody({ name: 'too-long' }, { session_duration: 7200 }) });
    assert.equal(long.status, 201, long.text);
    const content = ((await broker.api('POST', '/__api__/v1/content', { body: { name: 'long-report' } })).body as { guid: string }).guid;
    await broker.grant((long.body as { guid: string }).guid, content);
    await broker.api('PUT', `/__api__/v1/content/${content}/oauth/integrations/associations`, { body: [{ oauth_integration_guid: (long.body as { guid: string }).guid }] });
    const token = (await broker.app.services.integrations.issueContentSessionToken(content, { name: 'test' })).token;
    const response = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: token, subject_token_type: CONTENT_TOKEN_TYPE });
    assert.equal(response.status, 400, response.text);
    const body = response.body as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description, /^STS ValidationError in us-east-1: .*DurationSeconds exceeds the MaxSessionDuration/);
  });

  test('the client secret is in no GET, list, PATCH response or log line, and is sealed in the database', async () => {
    const created = await broker.api('POST', INTEGRATIONS_PATH, { body: viewerBody() });
    assert.equal(created.status, 201, created.text);
    const guid = (created.body as { guid: string }).guid;
    const config = (created.body as { config: Record<string, unknown> }).config;
    assert.equal('client_secret' in config, false);
    assert.equal(config['client_id'], 'content-viewer');
    assert.equal(config['use_pkce'], true);

    const patched = await broker.api('PATCH', `${INTEGRATIONS_PATH}/${guid}`, { body: { description: 'changed', config: { client_secret: `${SECRET}-rotated` } } });
    assert.equal(patched.status, 200, patched.text);
    const responses = [created, patched, await broker.api('GET', `${INTEGRATIONS_PATH}/${guid}`), await broker.api('GET', INTEGRATIONS_PATH, { key: broker.publisherKey })];
    for (const response of responses) assert.ok(!response.text.includes(SECRET) && !response.text.includes('"client_secret"'), response.text);

    // A bad PATCH (the secret in a field that does not exist) is refused without echoing it.
    const bad = await broker.api('PATCH', `${INTEGRATIONS_PATH}/${guid}`, { body: { config: { client_secrets: SECRET } } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /unknown field \\?"config.client_secrets\\?"/);
    assert.ok(!bad.text.includes(SECRET));

    const row = await broker.app.services.repositories.oauthIntegrations.findByGuid(guid);
    assert.ok(row?.client_secret_sealed !== null && !row!.client_secret_sealed.includes(SECRET));
    assert.ok(!row!.config.includes(SECRET));

    await broker.app.services.audit.flush();
    assert.ok(broker.logLines.length > 10, 'the broker logged (trace level)');
    const leaking = broker.logLines.filter((line) => line.includes(SECRET));
    assert.deepEqual(leaking, []);
    const events = await broker.app.services.repositories.auditEvents.query({ limit: 1000 });
    assert.ok(!JSON.stringify(events).includes(SECRET));
  });
});
