import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorCodes } from '../../src/core/index.ts';
import { CONTENT_TOKEN_TYPE, EXCHANGE_GRANT, INTEGRATIONS_PATH, serviceAccountBody, startIntegrationsBroker, type IntegrationsBroker } from './integrations-fixtures.ts';

/**
 * The publishing server's Python SDK (posit-sdk, github.com/posit-dev/posit-sdk-py at
 * c9fe1bd), reproduced request for request — pip cannot reach PyPI here, so these are its
 * own steps in Node, each citing the line it copies:
 * - `auth.py:17` sends `Authorization: Key <api key>` with every request;
 * - `context.py:38-40` first GETs `<server>/__api__/server_settings` and reads
 *   `.json().get("version")`; `context.py:18` then refuses an API whose `@requires` version
 *   is above it — `client.py:360`: `oauth` needs `2024.08.0`;
 * - `client.py:175` hooks `hooks.handle_errors` on every response: for a status ≥ 400 it
 *   reads `data["code"]`, `data["error"]` and `data.get("payload")` (`hooks.py:18-20`) and
 *   raises `ClientError`; a missing key is an uncaught `KeyError`, and only a body that is
 *   not JSON falls back to `raise_for_status()` (`hooks.py:26`).
 */

/** `packaging.version.Version` for the `YYYY.MM.PATCH` versions the SDK compares. */
function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (value: string): number[] => value.split('.').map((part) => Number(part));
  const [a, b] = [parts(version), parts(minimum)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

/** What `hooks.handle_errors` does with an error response: a ClientError, or the KeyError the issue saw. */
async function handleErrors(response: Response): Promise<{ kind: 'client-error'; errorCode: unknown; message: unknown; payload: unknown } | { kind: 'key-error'; key: string } | { kind: 'http-error' }> {
  assert.ok(response.status >= 400);
  const text = await response.text();
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { kind: 'http-error' };
  }
  if (!('code' in data)) return { kind: 'key-error', key: 'code' };
  if (!('error' in data)) return { kind: 'key-error', key: 'error' };
  return { kind: 'client-error', errorCode: data['code'], message: data['error'], payload: data['payload'] };
}

describe('the publishing server\'s SDK against the broker: server_settings first, errors it can read', () => {
  let broker: IntegrationsBroker;
  const sdkGet = (path: string, key: string) => fetch(`${broker.url}/__api__/${path}`, { headers: { authorization: `Key ${key}`, accept: 'application/json' } });

  before(async () => {
    broker = await startIntegrationsBroker();
  });
  after(() => broker?.close());

  test('GET /__api__/server_settings answers a JSON version the SDK accepts for client.oauth (2024.08.0 or later)', async () => {
    const response = await sdkGet('server_settings', broker.publisherKey);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const version = ((await response.json()) as { version?: unknown }).version;
    assert.equal(typeof version, 'string');
    assert.ok(versionAtLeast(version as string, '2024.08.0'), `version ${String(version)}`);
    // Whatever key the SDK holds: it asks before anything else, and the answer names no secret.
    assert.equal((await fetch(`${broker.url}/__api__/server_settings`)).status, 200);
  });

  const errorCases: Array<{ name: string; send: () => Promise<Response>; status: number; roleportCode: keyof typeof errorCodes; message: RegExp }> = [
    { name: 'an unknown /__api__/ route', send: () => sdkGet('v1/nothing-here', broker.adminKey), status: 404, roleportCode: 'ERR_NOT_FOUND', message: /no route for GET \/__api__\/v1\/nothing-here/ },
    { name: 'an unknown integration', send: () => sdkGet('v1/oauth/integrations/00000000-0000-4000-8000-000000000000', broker.adminKey), status: 404, roleportCode: 'ERR_NOT_FOUND', message: /no integration/ },
    { name: 'a wrong API key', send: () => sdkGet('v1/oauth/integrations', 'not-a-key'), status: 401, roleportCode: 'ERR_UNAUTHENTICATED', message: /not valid or was revoked/ },
    {
      name: 'a publisher key creating an integration',
      send: () => fetch(`${broker.url}${INTEGRATIONS_PATH}`, { method: 'POST', headers: { authorization: `Key ${broker.publisherKey}`, 'content-type': 'application/json' }, body: JSON.stringify(serviceAccountBody()) }),
      status: 403,
      roleportCode: 'ERR_FORBIDDEN',
      message: /role admin/,
    },
    {
      name: 'an integration that is not valid',
      send: () => fetch(`${broker.url}${INTEGRATIONS_PATH}`, { method: 'POST', headers: { authorization: `Key ${broker.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(serviceAccountBody({ template: 'gcp' })) }),
      status: 400,
      roleportCode: 'ERR_INPUT_INVALID',
      message: /unknown template "gcp"/,
    },
    {
      name: 'a body that is not JSON',
      send: () => fetch(`${broker.url}${INTEGRATIONS_PATH}`, { method: 'POST', headers: { authorization: `Key ${broker.adminKey}`, 'content-type': 'application/json' }, body: '{' }),
      status: 400,
      roleportCode: 'ERR_INPUT_INVALID',
      message: /JSON/,
    },
    {
      // oauth.py:154 posts the form to v1/oauth/integrations/credentials; its errors keep RFC 6749's fields too.
      name: 'a credentials exchange with a forged content session token',
      send: () =>
        fetch(`${broker.url}/__api__/v1/oauth/integrations/credentials`, {
          method: 'POST',
          headers: { authorization: `Key ${broker.publisherKey}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: EXCHANGE_GRANT, subject_token_type: CONTENT_TOKEN_TYPE, subject_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' }).toString(),
        }),
      status: 400,
      roleportCode: 'ERR_GRANT_INVALID',
      message: /^invalid_grant$/,
    },
  ];

  for (const c of errorCases) {
    test(`${c.name}: ${c.status} as {code: <int>, error, payload: null}, Roleport's code beside it — a ClientError, not a KeyError`, async () => {
      const response = await c.send();
      assert.equal(response.status, c.status);
      const body = (await response.clone().json()) as Record<string, unknown>;
      const handled = await handleErrors(response);
      assert.equal(handled.kind, 'client-error', JSON.stringify(body));
      if (handled.kind !== 'client-error') return;
      assert.equal(handled.errorCode, errorCodes[c.roleportCode].apiCode);
      assert.ok(Number.isInteger(handled.errorCode));
      assert.match(String(handled.message), c.message);
      assert.equal(handled.payload, null);
      assert.equal(body['roleport_code'], c.roleportCode);
    });
  }

  test('an integration created as the SDK sends it is listed, and the SDK reads the version before every gated call', async () => {
    const created = await fetch(`${broker.url}${INTEGRATIONS_PATH}`, { method: 'POST', headers: { authorization: `Key ${broker.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(serviceAccountBody({ name: 'sdk' })) });
    assert.equal(created.status, 201);
    const list = (await (await sdkGet('v1/oauth/integrations', broker.adminKey)).json()) as Array<{ name: string }>;
    assert.ok(list.some((integration) => integration.name === 'sdk'));
  });

  test('outside /__api__/ the API keeps its {code, message} shape', async () => {
    const response = await fetch(`${broker.url}/api/v1/nothing-here`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { code: 'ERR_NOT_FOUND', message: 'no route for GET /api/v1/nothing-here' });
  });
});
