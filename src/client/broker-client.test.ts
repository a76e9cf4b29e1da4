import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerClientError,
  createBrokerClient,
  defaultCredentialsPath,
  loginWithLoopbackRedirect,
  readCliCredentials,
  removeCliCredentials,
  writeCliCredentials,
} from './index.ts';

/**
 * A real HTTP server speaking the session protocol's wire format (docs/session-protocol.md),
 * answering from a per-test handler: the client's parsing and error mapping are checked
 * against bytes on a socket, not against a stubbed fetch.
 */
interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (request: Recorded, response: ServerResponse) => void;

const wireSession = {
  id: 'ses_0123456789abcdef0123',
  user: 'alice',
  state: 'active',
  token_source: 'broker',
  audience: 'sts.amazonaws.com',
  token_ttl_seconds: 3600,
  region: 'eu-west-1',
  roles: [{ arn: 'arn:aws:iam::111111111111:role/DataScientist', profile: 'DataScientist', session_name: 'alice.ses-0123' }],
  created_at: '2026-01-01T00:00:00.000Z',
  ended_at: null,
  last_token_at: '2026-01-01T00:10:00.000Z',
  token_expires_at: null,
};

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

describe('createBrokerClient against a protocol-speaking server', () => {
  let server: Server;
  let url: string;
  let handler: Handler = (_request, response) => json(response, 500, {});
  const recorded: Recorded[] = [];

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const entry = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body };
        recorded.push(entry);
        handler(entry, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('exchangeToken sends an RFC 8693 form and returns the token', async () => {
    recorded.length = 0;
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ access_token: 'eyJ.a.b', issued_token_type: 'urn:ietf:params:oauth:token-type:id_token', token_type: 'N_A', expires_in: 60 }));
    };
    const client = createBrokerClient({ baseUrl: `${url}/` });
    const result = await client.exchangeToken({ sessionCredential: 'rps_ses_1.secret', audience: 'sts.amazonaws.com', resource: 'arn:aws:iam::111111111111:role/R' });
    assert.deepEqual(result, { token: 'eyJ.a.b', issuedTokenType: 'urn:ietf:params:oauth:token-type:id_token', expiresInSeconds: 60 });
    const request = recorded[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/oauth/token');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(request.body);
    assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
    assert.equal(form.get('subject_token'), 'rps_ses_1.secret');
    assert.equal(form.get('subject_token_type'), 'urn:roleport:params:oauth:token-type:session-credential');
    assert.equal(form.get('requested_token_type'), 'urn:ietf:params:oauth:token-type:id_token');
    assert.equal(form.get('audience'), 'sts.amazonaws.com');
    assert.equal(form.get('resource'), 'arn:aws:iam::111111111111:role/R');
  });

  const oauthCases: Array<[number, string, string, boolean]> = [
    [400, 'invalid_grant', 'ERR_GRANT_INVALID', false],
    [400, 'invalid_target', 'ERR_TARGET_INVALID', false],
    [400, 'invalid_request', 'ERR_INPUT_INVALID', false],
    [503, 'temporarily_unavailable', 'ERR_TOKEN_SOURCE_UNAVAILABLE', true],
  ];
  for (const [status, error, code, retryable] of oauthCases) {
    test(`token endpoint ${error} → ${code} (retryable: ${retryable})`, async () => {
      handler = (_request, response) => json(response, status, { error, error_description: 'session revoked' });
      const client = createBrokerClient({ baseUrl: url });
      await assert.rejects(client.exchangeToken({ sessionCredential: 'rps_x' }), (thrown: unknown) => {
        assert.ok(thrown instanceof BrokerClientError);
        assert.equal(thrown.code, code);
        assert.equal(thrown.oauthError, error);
        assert.equal(thrown.retryable, retryable);
        assert.equal(thrown.httpStatus, status);
        assert.match(thrown.message, new RegExp(`^${error}: session revoked$`));
        return true;
      });
    });
  }

  test('a proxy error page is retryable; a garbled 200 is a protocol error', async () => {
    handler = (_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html>Bad Gateway</html>');
    };
    const client = createBrokerClient({ baseUrl: url });
    await assert.rejects(client.exchangeToken({ sessionCredential: 'rps_x' }), (e: unknown) => e instanceof BrokerClientError && e.code === 'ERR_BROKER_UNAVAILABLE' && e.retryable);
    handler = (_request, response) => json(response, 200, { token: 'not the shape' });
    await assert.rejects(client.exchangeToken({ sessionCredential: 'rps_x' }), (e: unknown) => e instanceof BrokerClientError && e.code === 'ERR_BROKER_PROTOCOL' && !e.retryable);
  });

  test('a broker that does not answer in time is a retryable timeout', async () => {
    handler = () => {};
    const client = createBrokerClient({ baseUrl: url, timeoutMs: 200 });
    await assert.rejects(client.getCurrentSession('rps_x'), (e: unknown) => e instanceof BrokerClientError && e.code === 'ERR_BROKER_UNAVAILABLE' && e.retryable && /within 200 ms/.test(e.message));
    server.closeAllConnections();
  });

  test('sessions parse into camelCase; the bearer is the credential given', async () => {
    recorded.length = 0;
    handler = (request, response) => {
      if (request.path === '/api/v1/sessions' && request.method === 'POST') json(response, 201, { session: wireSession, credential: 'rps_ses_0123456789abcdef0123.s' });
      else json(response, 200, { ...wireSession, state: 'ended', ended_at: '2026-01-01T01:00:00Z' });
    };
    const client = createBrokerClient({ baseUrl: url });
    const started = await client.startSession('rpu_1.user', { roles: ['arn:aws:iam::111111111111:role/DataScientist'], region: 'eu-west-1' });
    assert.equal(started.credential, 'rps_ses_0123456789abcdef0123.s');
    assert.deepEqual(started.session.roles, [{ arn: 'arn:aws:iam::111111111111:role/DataScientist', profile: 'DataScientist', sessionName: 'alice.ses-0123' }]);
    assert.equal(started.session.userName, 'alice');
    assert.equal(started.session.lastTokenAt, Date.parse('2026-01-01T00:10:00Z'));
    assert.equal(recorded[0]!.headers.authorization, 'Bearer rpu_1.user');
    assert.deepEqual(JSON.parse(recorded[0]!.body), { roles: ['arn:aws:iam::111111111111:role/DataScientist'], token_source: 'broker', region: 'eu-west-1' });
    const ended = await client.endCurrentSession('rps_ses_0123456789abcdef0123.s');
    assert.equal(ended.state, 'ended');
    assert.equal(ended.endedAt, Date.parse('2026-01-01T01:00:00Z'));
    assert.equal(recorded[1]!.path, '/api/v1/sessions/current/end');
    assert.equal(recorded[1]!.headers.authorization, 'Bearer rps_ses_0123456789abcdef0123.s');
  });

  test('API errors keep the broker’s code and status', async () => {
    handler = (_request, response) => json(response, 403, { code: 'ERR_FORBIDDEN', message: 'alice may not use role/Admin' });
    const client = createBrokerClient({ baseUrl: url });
    await assert.rejects(client.startSession('rpu_1.user', { roles: ['arn:aws:iam::111111111111:role/Admin'] }), (e: unknown) => {
      assert.ok(e instanceof BrokerClientError);
      assert.equal(e.code, 'ERR_FORBIDDEN');
      assert.equal(e.status, 403);
      assert.equal(e.message, 'alice may not use role/Admin');
      assert.equal(e.retryable, false);
      return true;
    });
    handler = (_request, response) => json(response, 401, { code: 'ERR_SOMETHING_NEW', message: 'who are you' });
    await assert.rejects(client.listSessions('rpu_bad'), (e: unknown) => e instanceof BrokerClientError && e.code === 'ERR_UNAUTHENTICATED');
  });

  test('an unreachable broker is retryable and named', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = createBrokerClient({ baseUrl: `http://127.0.0.1:${port}` });
    await assert.rejects(client.getCurrentSession('rps_x'), (e: unknown) => e instanceof BrokerClientError && e.retryable && /ECONNREFUSED/.test(e.message));
  });

  test('a base URL that is not http(s) is bad input', () => {
    assert.throws(() => createBrokerClient({ baseUrl: 'ftp://x' }), (e: unknown) => e instanceof BrokerClientError && e.code === 'ERR_INPUT_INVALID');
    assert.throws(() => createBrokerClient({ baseUrl: 'nope' }), (e: unknown) => e instanceof BrokerClientError && e.code === 'ERR_INPUT_INVALID');
  });
});

describe('loginWithLoopbackRedirect', () => {
  test('state and PKCE round-trip through a redirecting broker; the browser is sent to the broker\'s outcome page', async () => {
    // The broker's part of the contract: /cli/login redirects back with a code bound to the
    // challenge; /api/v1/cli/token checks the verifier and the redirect URI.
    const codes = new Map<string, { challenge: string; redirectUri: string }>();
    const broker = createServer((request, response) => {
      const target = new URL(request.url ?? '/', 'http://x');
      if (target.pathname === '/cli/login') {
        const redirectUri = target.searchParams.get('redirect_uri')!;
        codes.set('code-1', { challenge: target.searchParams.get('code_challenge')!, redirectUri });
        response.writeHead(302, { location: `${redirectUri}?code=code-1&state=${encodeURIComponent(target.searchParams.get('state')!)}` });
        response.end();
        return;
      }
      if (target.pathname === '/cli/login/done') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(`<h1 data-outcome="${target.searchParams.get('outcome') ?? ''}">outcome</h1>`);
        return;
      }
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const { code, code_verifier: verifier, redirect_uri: redirectUri } = JSON.parse(body) as Record<string, string>;
        const issued = codes.get(code!);
        const challenge = createHash('sha256').update(verifier!).digest('base64url');
        if (issued === undefined || issued.challenge !== challenge || issued.redirectUri !== redirectUri) {
          json(response, 400, { code: 'ERR_INPUT_INVALID', message: 'bad code' });
          return;
        }
        json(response, 200, { token: 'rpu_abc.secret', username: 'alice', expires_at: '2026-02-01T00:00:00Z' });
      });
    });
    await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
    try {
      const client = createBrokerClient({ baseUrl: `http://127.0.0.1:${(broker.address() as AddressInfo).port}` });
      let page: Promise<{ url: string; text: string }> | undefined;
      const result = await loginWithLoopbackRedirect({
        client,
        onLoginUrl: (loginUrl) => {
          const parsed = new URL(loginUrl);
          assert.equal(parsed.pathname, '/cli/login');
          assert.match(parsed.searchParams.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
          // The "browser": follows the redirect to the CLI's loopback listener.
          page = fetch(loginUrl).then(async (r) => ({ url: r.url, text: await r.text() }));
        },
      });
      assert.deepEqual(result, { token: 'rpu_abc.secret', username: 'alice', expiresAt: Date.parse('2026-02-01T00:00:00Z') });
      // The listener names only the outcome; the broker's page shows who is signed in there.
      const shown = await page!;
      assert.equal(new URL(shown.url).pathname + new URL(shown.url).search, '/cli/login/done?outcome=signed-in');
      assert.match(shown.text, /data-outcome="signed-in"/);
    } finally {
      broker.closeAllConnections();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
  });

  test('a redirect with the wrong state is refused and the login keeps waiting', async () => {
    const client = createBrokerClient({ baseUrl: 'http://127.0.0.1:9' });
    await assert.rejects(
      loginWithLoopbackRedirect({
        client,
        timeoutMs: 1500,
        onLoginUrl: (loginUrl) => {
          const redirectUri = new URL(loginUrl).searchParams.get('redirect_uri')!;
          void fetch(`${redirectUri}?code=stolen&state=forged`).then(async (response) => {
            assert.equal(response.status, 400);
            assert.match(await response.text(), /does not belong/);
          });
        },
      }),
      (e: unknown) => e instanceof Error && /did not complete/.test(e.message),
    );
  });
});

describe('CLI credentials file', () => {
  test('round trip, mode 0600, removal; ROLEPORT_CREDENTIALS_FILE and XDG_CONFIG_HOME', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roleport-client-'));
    try {
      const path = join(dir, 'nested', 'credentials.json');
      assert.equal(readCliCredentials(path), undefined);
      writeCliCredentials(path, { url: 'http://127.0.0.1:8080', token: 'rpu_a.b', username: 'alice', expiresAt: Date.parse('2026-02-01T00:00:00Z') });
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(readCliCredentials(path), { url: 'http://127.0.0.1:8080', token: 'rpu_a.b', username: 'alice', expiresAt: Date.parse('2026-02-01T00:00:00Z') });
      assert.equal(removeCliCredentials(path), true);
      assert.equal(removeCliCredentials(path), false);
      assert.equal(defaultCredentialsPath({ ROLEPORT_CREDENTIALS_FILE: '/x/c.json' }), '/x/c.json');
      assert.equal(defaultCredentialsPath({ XDG_CONFIG_HOME: '/cfg' }), '/cfg/roleport/credentials.json');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
