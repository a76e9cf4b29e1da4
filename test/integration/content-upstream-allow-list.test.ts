/**
 * The content upstream allow-list over the real API and the real proxy, with a real DNS
 * server the test controls: refused at creation (literal addresses, names that resolve to
 * metadata or unlisted loopback addresses), and at request time — including a name whose DNS
 * answer flips between an allowed and a refused address on every query (rebinding), where
 * the proxy must only ever connect to an address it checked.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestDnsServer, type TestDnsServer } from '../helpers/dns-server.ts';
import { freePort } from '../helpers/ports.ts';
import { CookieJar, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';

interface Listener {
  server: Server;
  hits: number;
}

async function listen(host: string, port: number, body: string): Promise<Listener> {
  const listener: Listener = { server: createServer(), hits: 0 };
  listener.server.on('request', (_request, response) => {
    listener.hits++;
    response.setHeader('content-type', 'text/plain');
    response.end(body);
  });
  await new Promise<void>((resolve) => listener.server.listen(port, host, resolve));
  return listener;
}

describe('content upstream allow-list (creation and request time, real DNS)', () => {
  let env: SessionsEnv;
  let dns: TestDnsServer;
  let contentUrl: string;
  let port: number;
  let app: Listener;
  let secret: Listener;
  let publisherKey: string;

  before(async () => {
    dns = await startTestDnsServer();
    port = await freePort();
    // The content on 127.0.0.1 (listed), and on the same port at 127.0.0.2 a service no content may reach (loopback, unlisted).
    app = await listen('127.0.0.1', port, 'the content');
    secret = await listen('127.0.0.2', port, 'internal secret');
    const contentPort = await freePort();
    contentUrl = `http://localhost:${contentPort}`;
    env = await startSessionsEnv({
      config: {
        content: {
          origin: contentUrl,
          listen: `127.0.0.1:${contentPort}`,
          upstreamAllowList: ['127.0.0.1/32', 'apps.test', 'rebind.test', 'metadata.test', 'loopback.test', 'mixed.test'],
          dnsServers: [dns.address],
        },
      },
    });
    publisherKey = (await env.broker.app.services.integrations.apiKeys.create({ name: 'publisher', role: 'publisher', actor: { name: 'test' } })).key;
  });
  after(async () => {
    await env?.close();
    await dns?.close();
    for (const listener of [app, secret]) await new Promise<void>((resolve) => (listener ? listener.server.close(() => resolve()) : resolve()));
  });

  const createContent = (name: string, upstreamUrl: string) =>
    fetch(`${env.url}/__api__/v1/content`, {
      method: 'POST',
      headers: { authorization: `Key ${publisherKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, upstream_url: upstreamUrl }),
    });

  test('creation refuses metadata, link-local and unlisted loopback or private upstreams, by address or by name', async () => {
    dns.set('metadata.test', ['169.254.169.254']);
    dns.set('loopback.test', ['127.0.0.2']);
    dns.set('mixed.test', ['93.184.216.34', 'fd00:ec2::254']);
    for (const [name, upstream, reason] of [
      ['imds', 'http://169.254.169.254/latest/meta-data/', /link-local, cloud metadata/],
      ['imds-v6', 'http://[fd00:ec2::254]/', /link-local, cloud metadata/],
      ['imds-mapped', 'http://[::ffff:169.254.169.254]/', /link-local, cloud metadata/],
      ['imds-decimal', 'http://2852039166/', /link-local, cloud metadata/],
      ['ecs', 'http://169.254.170.2/v2/credentials', /link-local, cloud metadata/],
      ['this-host', 'http://0.0.0.0:8080/', /link-local, cloud metadata/],
      ['by-name', 'http://metadata.test/', /169\.254\.169\.254 is a link-local, cloud metadata/],
      ['one-bad-address', 'http://mixed.test/', /fd00:ec2::254 is a link-local, cloud metadata/],
      ['loopback-by-name', `http://loopback.test:${port}/`, /127\.0\.0\.2 is a loopback or private address/],
      ['private', 'http://10.1.2.3/', /10\.1\.2\.3 is a loopback or private address/],
      ['unknown-name', 'http://nowhere.test/', /does not resolve/],
    ] as const) {
      const response = await createContent(name, upstream);
      const body = (await response.json()) as { roleport_code: string; error: string };
      assert.equal(response.status, 400, `${name}: ${JSON.stringify(body)}`);
      assert.equal(body.roleport_code, 'ERR_INPUT_INVALID', name);
      assert.match(body.error, reason, name);
    }
    const stored = await env.broker.app.services.integrations.content.list();
    assert.deepEqual(stored.map((content) => content.name), [], 'nothing was stored');
  });

  test('an upstream on a listed name or network is accepted', async () => {
    dns.set('apps.test', ['127.0.0.1']);
    assert.equal((await createContent('by-listed-address', `http://127.0.0.1:${port}`)).status, 201);
    assert.equal((await createContent('by-listed-name', `http://apps.test:${port}`)).status, 201);
  });

  test('request time: a name that now resolves to a refused address is not proxied (502), and the proxy never connects there', async () => {
    dns.set('apps.test', ['127.0.0.1']);
    const guid = ((await (await createContent('moves', `http://apps.test:${port}`)).json()) as { guid: string }).guid;
    const contentJar = await viewerOf(guid);
    const ok = await contentJar.fetch(`${contentUrl}/content/${guid}/`);
    assert.equal(await ok.text(), 'the content');

    dns.set('apps.test', ['169.254.169.254']);
    const refused = await contentJar.fetch(`${contentUrl}/content/${guid}/`);
    assert.equal(refused.status, 502);
    // The viewer is told no more than that; the address and the rule are in the broker's log.
    assert.match(await refused.text(), /the details are in the broker’s log/);
    dns.set('apps.test', ['127.0.0.2']);
    const loopback = await contentJar.fetch(`${contentUrl}/content/${guid}/`);
    assert.equal(loopback.status, 502);
    assert.equal(secret.hits, 0);
  });

  test('DNS rebinding: answers flipping between an allowed and a refused address never reach the refused one', async () => {
    dns.set('rebind.test', ['127.0.0.1']);
    const guid = ((await (await createContent('rebinding', `http://rebind.test:${port}`)).json()) as { guid: string }).guid;
    const contentJar = await viewerOf(guid);
    // From now on the answer flips with every A query: 127.0.0.1 (listed), 127.0.0.2 (not), …
    dns.set('rebind.test', (earlier) => (earlier % 2 === 0 ? ['127.0.0.2'] : ['127.0.0.1']));
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await contentJar.fetch(`${contentUrl}/content/${guid}/`);
      const text = await response.text();
      statuses.push(response.status);
      if (response.status === 200) assert.equal(text, 'the content');
      else assert.equal(response.status, 502);
    }
    assert.equal(secret.hits, 0, 'the refused address was never connected to');
    assert.ok(statuses.includes(200) && statuses.includes(502), `both answers were seen: ${statuses.join(',')}`);
  });

  /** alice signed in and handed over to the content origin for this content. */
  async function viewerOf(guid: string): Promise<CookieJar> {
    const brokerJar = await env.signIn('alice');
    const contentJar = new CookieJar();
    const start = await contentJar.fetch(`${contentUrl}/content/${guid}/`);
    const code = await brokerJar.fetch(start.headers.get('location')!);
    assert.equal((await contentJar.fetch(code.headers.get('location')!)).status, 303);
    return contentJar;
  }
});
