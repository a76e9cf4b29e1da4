import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ACCOUNT, assumeParams, postQuery, startStsBroker, webIdentityTrustPolicy, xmlText, type StsBroker } from './sts-fixture.ts';

/**
 * The STS listener answers a form POST to `/` before Fastify (src/http/routes/sts/fast-path.ts)
 * and everything else through its Fastify route. Both must behave as one endpoint: the same
 * answers, the same body limit, the same client address behind trusted proxies.
 */
const SOURCE_ROLE = `arn:aws:iam::${ACCOUNT}:role/FromTheOffice`;
const OFFICE = '203.0.113.0/24';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request written by hand: chunked bodies, odd paths and headers that fetch would normalize. */
function rawRequest(url: string, options: { method?: string; path: string; headers: Record<string, string>; chunks: string[] }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}${options.path}`, { method: options.method ?? 'POST', headers: options.headers }, (incoming) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (body += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }));
    });
    outgoing.on('error', reject);
    for (const chunk of options.chunks) outgoing.write(chunk);
    outgoing.end();
  });
}

function officeOnlyTrustPolicy(sts: StsBroker): object {
  const policy = webIdentityTrustPolicy(sts.prefix, sts.providerArn()) as { Statement: Array<{ Condition: Record<string, unknown> }> };
  policy.Statement[0]!.Condition['IpAddress'] = { 'aws:SourceIp': OFFICE };
  return policy;
}

describe('the STS fast path and its Fastify route', () => {
  let direct: StsBroker;
  let proxied: StsBroker;

  before(async () => {
    direct = await startStsBroker();
    // As behind a load balancer on this host: X-Forwarded-* from 127.0.0.1 are believed.
    proxied = await startStsBroker({ config: { trustedProxies: ['127.0.0.1'] } });
    await direct.addRole(SOURCE_ROLE, officeOnlyTrustPolicy(direct));
    await proxied.addRole(SOURCE_ROLE, officeOnlyTrustPolicy(proxied));
  });
  after(async () => {
    await direct?.close();
    await proxied?.close();
  });

  test('the same request through either path gets the same kind of answer', async () => {
    const form = new URLSearchParams(assumeParams((await direct.mint('user:alice')), { RoleSessionName: 'either-path' })).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    const fast = await rawRequest(direct.stsUrl, { path: '/', headers: { ...headers, 'content-length': String(Buffer.byteLength(form)) }, chunks: [form] });
    // A chunked body (no declared length) and an empty query string both go through Fastify.
    const chunked = await rawRequest(direct.stsUrl, { path: '/', headers, chunks: [form.slice(0, 100), form.slice(100)] });
    const routed = await rawRequest(direct.stsUrl, { path: '/?', headers: { ...headers, 'content-length': String(Buffer.byteLength(form)) }, chunks: [form] });
    for (const answer of [fast, chunked, routed]) {
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.headers['content-type'], 'text/xml');
      assert.match(String(answer.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
      assert.equal(xmlText(answer.body, 'RequestId'), answer.headers['x-amzn-requestid']);
      assert.equal(xmlText(answer.body, 'Arn'), `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/either-path`);
      assert.match(xmlText(answer.body, 'AccessKeyId') ?? '', /^ASIA[A-Z2-7]{16}$/);
    }
    assert.equal(new Set([fast, chunked, routed].map((answer) => xmlText(answer.body, 'AccessKeyId'))).size, 3);
    // Fastify's keep-alive (72 s, past load balancers' 60 s idle timeout) holds on the server under the fast path too.
    assert.equal(fast.headers['keep-alive'], 'timeout=72');
  });

  test('refusals are the same XML on both paths', async () => {
    const form = new URLSearchParams(assumeParams((await direct.mint('robot:x')))).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(form)) };
    for (const path of ['/', '/?']) {
      const answer = await rawRequest(direct.stsUrl, { path, headers, chunks: [form] });
      assert.equal(answer.status, 403, path);
      assert.equal(xmlText(answer.body, 'Code'), 'AccessDenied');
      assert.equal(xmlText(answer.body, 'Message'), 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
  });

  test('a body over the limit is refused on both paths, declared or chunked, and nothing is stored', async () => {
    const before = await direct.credentialCount();
    const huge = new URLSearchParams(assumeParams((await direct.mint('user:alice')), { Padding: 'x'.repeat(300 * 1024) })).toString();
    const declared = await rawRequest(direct.stsUrl, {
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(huge)) },
      chunks: [huge],
    }).catch((error: Error) => ({ status: 0, headers: {}, body: error.message }));
    const chunked = await rawRequest(direct.stsUrl, { path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, chunks: [huge.slice(0, 150_000), huge.slice(150_000)] }).catch(
      (error: Error) => ({ status: 0, headers: {}, body: error.message }),
    );
    for (const answer of [declared, chunked]) {
      // Fastify answers 413 as AWS-shaped XML, or cuts the upload short; never a 200.
      assert.notEqual(answer.status, 200, answer.body.slice(0, 200));
      if (answer.status !== 0) {
        assert.equal(answer.status, 400);
        assert.equal(xmlText(answer.body, 'Code'), 'ValidationError');
      }
    }
    assert.equal(await direct.credentialCount(), before);
  });

  test('aws:SourceIp is the socket address unless the request came through a trusted proxy', async () => {
    const assume = async (sts: StsBroker, forwardedFor: string | undefined, method: 'POST' | 'GET' = 'POST') =>
      postQuery(sts.stsUrl, assumeParams((await sts.mint('user:alice')), { RoleArn: SOURCE_ROLE, RoleSessionName: 'office' }), {
        method,
        headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      });
    for (const method of ['POST', 'GET'] as const) {
      // No trusted proxies: the header is anyone's to write, so the address is 127.0.0.1, outside the office.
      assert.equal((await assume(direct, '203.0.113.7', method)).code, 'AccessDenied', method);
      // Through the trusted proxy: the forwarded address counts.
      assert.equal((await assume(proxied, '203.0.113.7', method)).status, 200, method);
      assert.equal((await assume(proxied, '198.51.100.7', method)).code, 'AccessDenied', method);
      // A client cannot prepend its own entry: the proxy appended the last one, and that one is used.
      assert.equal((await assume(proxied, '203.0.113.7, 198.51.100.7', method)).code, 'AccessDenied', method);
      assert.equal((await assume(proxied, undefined, method)).code, 'AccessDenied', method);
    }
  });
});
