import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';

/**
 * `POST /oauth/token` is answered before Fastify's router when the body's length is declared
 * (src/http/routes/oauth/token-fast-path.ts) and by the Fastify route otherwise (a chunked
 * body). Both must be one endpoint: for every request, good or hostile, the same status, the
 * same body and the same headers, and one rate limit counted across both.
 */
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const CREDENTIAL_TYPE = 'urn:roleport:params:oauth:token-type:session-credential';
const ROLE = 'arn:aws:iam::111111111111:role/DataScientist';
const OTHER_ROLE = 'arn:aws:iam::111111111111:role/Analyst';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends `body` with its length declared (`declared`: the fast path) or chunked (Fastify). */
function post(url: string, body: string, how: 'declared' | 'chunked', headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const lengthHeader: Record<string, string> = how === 'declared' ? { 'content-length': String(Buffer.byteLength(body)) } : {};
    const outgoing = request(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...lengthHeader, ...headers } }, (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: text }));
    });
    outgoing.on('error', reject);
    if (how === 'chunked') {
      // Two writes of a body without a declared length: Transfer-Encoding: chunked.
      outgoing.write(body.slice(0, 1));
      outgoing.write(body.slice(1));
    } else outgoing.write(body);
    outgoing.end();
  });
}

/** Headers that must match, without the ones that change from one response to the next. */
function comparableHeaders(answer: RawAnswer): Record<string, unknown> {
  const { date: _date, 'x-ratelimit-remaining': _remaining, 'x-ratelimit-reset': _reset, 'content-length': _length, 'transfer-encoding': _te, ...rest } = answer.headers;
  return rest;
}

function form(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) params.append(name, one);
  return params.toString();
}

describe('POST /oauth/token: the fast path and the Fastify route answer alike', () => {
  let broker: TestBroker;
  let credential: string;
  let revokedCredential: string;

  before(async () => {
    broker = await startTestBroker({ config: { rateLimits: { enabled: true, token: { max: 1000, windowSeconds: 60 } } } });
    const { users, sessions } = broker.app.services;
    await users.setRoleArns('alice', [ROLE, OTHER_ROLE], 'test');
    const admin = { name: 'admin', admin: true } as const;
    credential = (await sessions.start({ userName: 'alice', roles: [ROLE], by: admin })).credential;
    const revoked = await sessions.start({ userName: 'alice', roles: [ROLE], by: admin });
    await sessions.revoke(revoked.session.id, admin);
    revokedCredential = revoked.credential;
  });
  after(() => broker?.close());

  const good = () => ({ grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE });

  test('a good exchange: 200 with the same headers and the same fields, and a fresh token each time', async () => {
    const fast = await post(broker.url, form(good()), 'declared');
    const routed = await post(broker.url, form(good()), 'chunked');
    for (const answer of [fast, routed]) assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(comparableHeaders(fast), comparableHeaders(routed));
    assert.equal(fast.headers['cache-control'], 'no-store');
    assert.equal(fast.headers['x-content-type-options'], 'nosniff');
    const [a, b] = [JSON.parse(fast.body) as Record<string, unknown>, JSON.parse(routed.body) as Record<string, unknown>];
    assert.deepEqual(Object.keys(a), Object.keys(b));
    assert.deepEqual({ ...a, access_token: undefined }, { ...b, access_token: undefined });
    assert.notEqual(a['access_token'], b['access_token']);
  });

  const hostile: Array<[string, () => string]> = [
    ['another grant type', () => form({ ...good(), grant_type: 'client_credentials' })],
    ['no grant type', () => form({ subject_token: credential, subject_token_type: CREDENTIAL_TYPE })],
    ['no subject token', () => form({ grant_type: EXCHANGE, subject_token_type: CREDENTIAL_TYPE })],
    ['an empty subject token', () => form({ ...good(), subject_token: '' })],
    ['another subject token type', () => form({ ...good(), subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' })],
    ['another requested token type', () => form({ ...good(), requested_token_type: 'urn:ietf:params:oauth:token-type:access_token' })],
    ['an actor token', () => form({ ...good(), actor_token: 'x' })],
    ['an unknown credential', () => form({ ...good(), subject_token: `${credential.slice(0, -6)}zzzzzz` })],
    ['a revoked session', () => form({ ...good(), subject_token: revokedCredential })],
    ['a role not in the session', () => form({ ...good(), resource: OTHER_ROLE })],
    ['an audience not allowed', () => form({ ...good(), audience: 'evil.example' })],
    ['a repeated grant_type', () => form({ ...good(), grant_type: [EXCHANGE, EXCHANGE] })],
    ['a NUL in the subject token', () => form({ ...good(), subject_token: `${credential}\u0000` })],
    ['a line break in the audience', () => form({ ...good(), audience: 'sts.amazonaws.com\r\nx-injected: 1' })],
    ['a bidirectional control in resource', () => form({ ...good(), resource: `arn:aws:iam::111111111111:role/\u202eDataScientist` })],
    ['an overlong subject token', () => form({ ...good(), subject_token: 'x'.repeat(513) })],
    ['a malformed percent escape', () => `grant_type=${encodeURIComponent(EXCHANGE)}&subject_token=%ZZ%E0%A4&subject_token_type=${encodeURIComponent(CREDENTIAL_TYPE)}`],
    ['no field at all, only noise', () => '&&&=&'],
  ];

  test('every refusal is the same status, body and headers on both paths', async () => {
    for (const [name, body] of hostile) {
      const fast = await post(broker.url, body(), 'declared');
      const routed = await post(broker.url, body(), 'chunked');
      assert.ok(fast.status >= 400 && fast.status < 500, `${name}: ${fast.status} ${fast.body}`);
      assert.equal(fast.status, routed.status, name);
      assert.deepEqual(JSON.parse(fast.body), JSON.parse(routed.body), name);
      assert.deepEqual(comparableHeaders(fast), comparableHeaders(routed), name);
    }
  });

  test('prototype keys in the form are plain unknown fields on both paths: ignored, the exchange goes through', async () => {
    const body = `__proto__=x&constructor=y&hasOwnProperty=z&${form(good())}`;
    const fast = await post(broker.url, body, 'declared');
    const routed = await post(broker.url, body, 'chunked');
    for (const answer of [fast, routed]) assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(comparableHeaders(fast), comparableHeaders(routed));
  });

  test('one rate limit counts requests on both paths, and past it the answer is the 429 of the route', async () => {
    const limited = await startTestBroker({ config: { trustedProxies: ['127.0.0.1'], rateLimits: { enabled: true, token: { max: 4, windowSeconds: 60 } } } });
    try {
      const address = { 'x-forwarded-for': '198.51.100.7' };
      const remaining: string[] = [];
      for (const how of ['declared', 'chunked', 'declared', 'chunked'] as const) {
        const answer = await post(limited.url, form(good()), how, address);
        assert.notEqual(answer.status, 429);
        assert.equal(answer.headers['x-ratelimit-limit'], '4');
        remaining.push(String(answer.headers['x-ratelimit-remaining']));
      }
      assert.deepEqual(remaining, ['3', '2', '1', '0']);
      for (const how of ['declared', 'chunked'] as const) {
        const past = await post(limited.url, form(good()), how, address);
        assert.equal(past.status, 429, how);
        assert.equal((JSON.parse(past.body) as { error: string }).error, 'temporarily_unavailable');
        assert.ok(Number(past.headers['retry-after']) > 0);
      }
      // Another address has its own count.
      assert.equal((await post(limited.url, form(good()), 'declared', { 'x-forwarded-for': '198.51.100.8' })).headers['x-ratelimit-remaining'], '3');
    } finally {
      await limited.close();
    }
  });
});
