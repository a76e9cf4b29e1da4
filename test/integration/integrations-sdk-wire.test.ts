import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../helpers/run-cli.ts';
import {
  ACCOUNT,
  AWS_CREDENTIALS_TYPE,
  CONTENT_TOKEN_TYPE,
  EXCHANGE_GRANT,
  INTEGRATIONS_PATH,
  serviceAccountBody,
  startIntegrationsBroker,
  type IntegrationsBroker,
} from './integrations-fixtures.ts';

const PYTHON = '/usr/bin/python3';
const AWS_CLI = '/usr/bin/aws';

/**
 * A client written as the publishing server's Python SDK calls the exchange
 * (posit.connect.oauth.OAuth.get_content_credentials + external.aws._decode_access_token):
 * the token from CONNECT_CONTENT_SESSION_TOKEN_FILE (else CONNECT_CONTENT_SESSION_TOKEN),
 * a form-encoded POST to <CONNECT_SERVER>/__api__/v1/oauth/integrations/credentials with
 * `Authorization: Key`, and base64-decoded JSON credentials. Only the standard library, so it
 * runs on Debian's python3 (which the AWS CLI package brings).
 */
const SDK_CLIENT = `
import base64, json, os, sys, urllib.error, urllib.parse, urllib.request
from datetime import datetime, timezone

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
CONTENT_SESSION_TOKEN = "urn:posit:connect:content-session-token"
AWS_CREDENTIALS = "urn:ietf:params:aws:token-type:credentials"

def _get_content_session_token():
    token_file = os.environ.get("CONNECT_CONTENT_SESSION_TOKEN_FILE")
    if token_file:
        with open(token_file) as f:
            value = f.read().strip()
        if not value:
            raise ValueError("empty token file")
        return value
    value = os.environ.get("CONNECT_CONTENT_SESSION_TOKEN")
    if not value:
        raise ValueError("no content session token")
    return value

def get_content_credentials(server, api_key, audience=None):
    data = {"grant_type": GRANT_TYPE, "subject_token_type": CONTENT_SESSION_TOKEN, "subject_token": _get_content_session_token(), "requested_token_type": AWS_CREDENTIALS}
    if audience:
        data["audience"] = audience
    request = urllib.request.Request(server.rstrip("/") + "/__api__/v1/oauth/integrations/credentials", data=urllib.parse.urlencode(data).encode("utf-8"), headers={"Authorization": "Key " + api_key}, method="POST")
    with urllib.request.urlopen(request) as response:
        return response.headers.get("Content-Type"), json.loads(response.read())

content_type, credentials = get_content_credentials(os.environ["CONNECT_SERVER"], os.environ.get("CONNECT_API_KEY", "unused"))
aws = json.loads(base64.b64decode(credentials["access_token"]).decode("utf-8"))
expiration = datetime.strptime(aws["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
print(json.dumps({
    "content_type": content_type,
    "response_keys": sorted(credentials.keys()),
    "issued_token_type": credentials["issued_token_type"],
    "token_type": credentials["token_type"],
    "credential_keys": sorted(aws.keys()),
    "accessKeyId": aws["accessKeyId"],
    "secretAccessKey": aws["secretAccessKey"],
    "sessionToken": aws["sessionToken"],
    "expiration": aws["expiration"],
    "expiration_epoch": expiration.timestamp(),
    "token_file": os.environ.get("CONNECT_CONTENT_SESSION_TOKEN_FILE"),
}))
`;

const exec = promisify(execFile);

describe('the credentials exchange on the wire, as the publishing server\'s SDK calls it', () => {
  let broker: IntegrationsBroker;
  let contentGuid: string;
  let dir: string;

  before(async () => {
    for (const [path, pkg] of [[PYTHON, 'python3'], [AWS_CLI, 'awscli']]) {
      if (!existsSync(path)) throw new Error(`${path} is missing: install Debian's ${pkg} (apt-get install -y ${pkg})`);
    }
    broker = await startIntegrationsBroker();
    dir = await mkdtemp(join(tmpdir(), 'roleport-sdk-wire-'));
    const integration = ((await broker.api('POST', INTEGRATIONS_PATH, { body: serviceAccountBody() })).body as { guid: string }).guid;
    contentGuid = ((await broker.api('POST', '/__api__/v1/content', { key: broker.publisherKey, body: { name: 'sdk-report' } })).body as { guid: string }).guid;
    await broker.grant(integration, contentGuid);
    await broker.api('PUT', `/__api__/v1/content/${contentGuid}/oauth/integrations/associations`, { body: [{ oauth_integration_guid: integration }] });
  });
  after(async () => {
    await broker?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('raw bytes: JSON with exactly three fields, access_token standard base64 with padding, expiration without milliseconds', async () => {
    const token = (await broker.app.services.integrations.issueContentSessionToken(contentGuid, { name: 'test' })).token;
    const response = await fetch(`${broker.url}/__api__/v1/oauth/integrations/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Key ${broker.publisherKey}` },
      body: new URLSearchParams({ grant_type: EXCHANGE_GRANT, subject_token_type: CONTENT_TOKEN_TYPE, subject_token: token, requested_token_type: AWS_CREDENTIALS_TYPE }).toString(),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const raw = await response.text();
    const body = JSON.parse(raw) as Record<string, string>;
    assert.deepEqual(Object.keys(body), ['access_token', 'issued_token_type', 'token_type']);
    assert.equal(body['issued_token_type'], 'urn:ietf:params:aws:token-type:credentials');
    assert.equal(body['token_type'], 'Bearer');
    const accessToken = body['access_token']!;
    assert.match(accessToken, /^[A-Za-z0-9+/]+={0,2}$/, 'standard base64, not base64url');
    assert.equal(accessToken.length % 4, 0, 'padded');
    const decoded = JSON.parse(Buffer.from(accessToken, 'base64').toString('utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(decoded), ['accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration']);
    assert.match(decoded['expiration']!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  test('`roleport content run` hands the SDK-shaped client its token file; its credentials work with the AWS CLI', async () => {
    const script = join(dir, 'sdk_client.py');
    await writeFile(script, SDK_CLIENT);
    const run = await runCli(['content', 'run', contentGuid, '--url', broker.url, '--api-key', broker.publisherKey, '--', PYTHON, script]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.match(out['content_type'] as string, /^application\/json/);
    assert.deepEqual(out['response_keys'], ['access_token', 'issued_token_type', 'token_type']);
    assert.equal(out['issued_token_type'], AWS_CREDENTIALS_TYPE);
    assert.equal(out['token_type'], 'Bearer');
    assert.deepEqual(out['credential_keys'], ['accessKeyId', 'expiration', 'secretAccessKey', 'sessionToken']);
    assert.match(out['token_file'] as string, /content-session-token$/);
    // strptime("%Y-%m-%dT%H:%M:%SZ") parsed it, and it is about an hour (session_duration 3600) ahead.
    const secondsLeft = (out['expiration_epoch'] as number) - Date.now() / 1000;
    assert.ok(secondsLeft > 3000 && secondsLeft <= 3600, `expiration ${String(out['expiration'])}`);
    assert.equal(existsSync(out['token_file'] as string), false, 'the token directory is removed when the content exits');

    const { stdout } = await exec(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', broker.stsUrl, '--output', 'json'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        AWS_ACCESS_KEY_ID: out['accessKeyId'] as string,
        AWS_SECRET_ACCESS_KEY: out['secretAccessKey'] as string,
        AWS_SESSION_TOKEN: out['sessionToken'] as string,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      },
    });
    const identity = JSON.parse(stdout) as { Arn: string; Account: string };
    assert.equal(identity.Account, ACCOUNT);
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ContentReader/content-${contentGuid}`);
  });

  test('`roleport content run` exits with the command\'s code and refuses unknown content', async () => {
    const failing = await runCli(['content', 'run', contentGuid, '--url', broker.url, '--api-key', broker.publisherKey, '--', PYTHON, '-c', 'import sys; sys.exit(3)']);
    assert.equal(failing.code, 3);
    const unknown = await runCli(['content', 'run', '00000000-0000-4000-8000-000000000000', '--url', broker.url, '--api-key', broker.publisherKey, '--', PYTHON, '-c', 'print(1)']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no content 00000000-0000-4000-8000-000000000000/);
    assert.equal(unknown.stdout, '');
  });
});
