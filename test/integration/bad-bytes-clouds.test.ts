/**
 * Bad bytes at the cloud counterparts' listeners — the local Google STS (`/v1/token`,
 * `generateAccessToken`) and the local Entra token endpoint: every text parameter is held to
 * the same safe-text rule as the broker's routes (core/text.ts), answered in each protocol's
 * own error shape, and the audit log keeps writing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postForm, startCloudBroker, type CloudBroker } from './clouds-fixture.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const HOSTILE = ['x\u0000y', 'x\u001b[2Jy', 'x\u202ey', 'x\ny'];

describe('bad bytes at the local Google STS and Entra endpoint', () => {
  let cloud: CloudBroker;
  before(async () => {
    cloud = await startCloudBroker();
  });
  after(() => cloud?.close());

  test('Google STS /v1/token: every form parameter, 400 invalid_request', async () => {
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q', scope: 'https://www.googleapis.com/auth/cloud-platform', requested_token_type: 'urn:ietf:params:oauth:token-type:access_token', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', subject_token: 'a.b.c' };
    for (const field of Object.keys(form)) {
      for (const value of [...HOSTILE, 'a'.repeat(16385)]) {
        const response = await fetch(`${cloud.gcpUrl}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form, [field]: value }).toString() });
        const body = (await response.json()) as { error: string; error_description: string };
        assert.equal(response.status, 400, `${field} ${JSON.stringify(value.slice(0, 10))}`);
        assert.equal(body.error, 'invalid_request', field);
      }
    }
  });

  test('generateAccessToken: the service account in the path and the scopes in the body, 400 INVALID_ARGUMENT', async () => {
    for (const value of HOSTILE) {
      const inPath = await fetch(`${cloud.gcpUrl}/v1/projects/-/serviceAccounts/${encodeURIComponent(`${value}@p.iam.gserviceaccount.com`)}:generateAccessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
        body: JSON.stringify({ scope: ['https://www.googleapis.com/auth/cloud-platform'] }),
      });
      assert.equal(inPath.status, 400, await inPath.clone().text());
      assert.equal(((await inPath.json()) as { error: { status: string } }).error.status, 'INVALID_ARGUMENT');
      const inBody = await fetch(`${cloud.gcpUrl}/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
        body: JSON.stringify({ scope: [value] }),
      });
      assert.equal(inBody.status, 400, await inBody.clone().text());
      assert.equal(((await inBody.json()) as { error: { status: string } }).error.status, 'INVALID_ARGUMENT');
    }
  });

  test('Entra token endpoint: every form parameter, 400 invalid_request (AADSTS900144)', async () => {
    const form = { grant_type: 'client_credentials', client_id: '11111111-2222-3333-4444-555555555555', scope: 'https://management.azure.com/.default', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' };
    for (const field of Object.keys(form)) {
      for (const value of [...HOSTILE, 'a'.repeat(16385)]) {
        const answer = await postForm(`${cloud.azureUrl}/${TENANT}/oauth2/v2.0/token`, { ...form, [field]: value }, cloud.ca.caFile);
        assert.equal(answer.status, 400, `${field}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body['error'], 'invalid_request', field);
        assert.deepEqual(answer.body['error_codes'], [900144], field);
      }
    }
    const services = cloud.broker.app.services;
    await services.audit.flush();
    assert.deepEqual(services.audit.status(), { writable: true, pending: 0, deadLettered: 0 });
  });
});
