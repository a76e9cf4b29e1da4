import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { runCli } from '../helpers/run-cli.ts';
import { nextDevLine, startDev, stopDev, type DevProcess } from '../helpers/dev-process.ts';

/**
 * `roleport dev` as a newcomer runs it: it starts on loopback, prints where it is, serves
 * the issuer, picks up admin changes made by the CLI on its data directory, and stops
 * cleanly on SIGTERM.
 */
describe('roleport dev --port 0 --json', () => {
  let dir: string;
  let dev: DevProcess;
  let endpoints: { issuer: string; web: string; content: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-dev-'));
    dev = startDev(['--port', '0', '--json', '--data-dir', join(dir, 'data')]);
    endpoints = JSON.parse(await nextDevLine(dev)) as { issuer: string; web: string; content: string };
  });
  after(async () => {
    if (dev !== undefined) await stopDev(dev);
    await rm(dir, { recursive: true, force: true });
  });

  test('prints one JSON object with the issuer and web URLs on loopback, and serves discovery there', async () => {
    assert.match(endpoints.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(endpoints.web, endpoints.issuer);
    const response = await fetch(`${endpoints.issuer}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    const discovery = (await response.json()) as { issuer: string; jwks_uri: string };
    assert.equal(discovery.issuer, endpoints.issuer);
    assert.equal(discovery.jwks_uri, `${endpoints.issuer}/openid/v1/jwks`);
    assert.equal((await fetch(`${endpoints.issuer}/readyz`)).status, 200);
  });

  test('published content has an origin of its own: localhost, not the broker\'s 127.0.0.1', async () => {
    assert.match(endpoints.content, /^http:\/\/localhost:\d+$/);
    const health = await fetch(`${endpoints.content.replace('localhost', '127.0.0.1')}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('cross-origin-opener-policy'), 'same-origin');
  });

  test('a token minted by the CLI on the same data directory verifies against the running broker', async () => {
    const env = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: endpoints.issuer };
    const minted = await runCli(['token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com'], env);
    assert.equal(minted.code, 0, minted.stderr);
    const { payload } = await jwtVerify(minted.stdout.trim(), createRemoteJWKSet(new URL(`${endpoints.issuer}/openid/v1/jwks`)), { issuer: endpoints.issuer, audience: 'sts.amazonaws.com' });
    assert.equal(payload.sub, 'user:alice');
  });

  test('with no issuer configured, token mint on the data directory of dev --port 0 signs as the running issuer (recorded in dev.json)', async () => {
    const record = join(dir, 'data', 'dev.json');
    assert.equal((await stat(record)).mode & 0o777, 0o644);
    const runtime = JSON.parse(await readFile(record, 'utf8')) as { issuer: string; web: string; sts: string; pid: number };
    assert.equal(runtime.issuer, endpoints.issuer);
    assert.equal(runtime.pid, dev.child.pid);
    // No ROLEPORT_ISSUER: the config default would be http://127.0.0.1:8080, another issuer.
    const minted = await runCli(['token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com'], { ROLEPORT_DATA_DIR: join(dir, 'data') });
    assert.equal(minted.code, 0, minted.stderr);
    const { payload } = await jwtVerify(minted.stdout.trim(), createRemoteJWKSet(new URL(`${endpoints.issuer}/openid/v1/jwks`)), { issuer: endpoints.issuer, audience: 'sts.amazonaws.com' });
    assert.equal(payload.iss, endpoints.issuer);
    assert.notEqual(endpoints.issuer, 'http://127.0.0.1:8080');
    // content token, the other command that signs on the data directory: verified by the running broker too.
    const created = await runCli(['content', 'create', '--name', 'dash', '--json'], { ROLEPORT_DATA_DIR: join(dir, 'data') });
    assert.equal(created.code, 0, created.stderr);
    const guid = (JSON.parse(created.stdout) as { guid: string }).guid;
    const contentToken = await runCli(['content', 'token', guid, '--json'], { ROLEPORT_DATA_DIR: join(dir, 'data') });
    assert.equal(contentToken.code, 0, contentToken.stderr);
    const verified = await jwtVerify((JSON.parse(contentToken.stdout) as { token: string }).token, createRemoteJWKSet(new URL(`${endpoints.issuer}/openid/v1/jwks`)), { issuer: endpoints.issuer });
    assert.equal(verified.payload.sub, `content:${guid}`);
    // A configured issuer still wins over the record.
    const configured = await runCli(['token', 'mint', '--sub', 'user:alice', '--aud', 'a', '--json'], { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: 'https://issuer.example.com' });
    assert.equal((JSON.parse(configured.stdout) as { claims: { iss: string } }).claims.iss, 'https://issuer.example.com');
  });

  test('keys rotate by the CLI is served by the running broker at its next key check, without a restart', async () => {
    const env = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: endpoints.issuer };
    const rotated = await runCli(['keys', 'rotate', '--immediate', '--json'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    const active = (JSON.parse(rotated.stdout) as { keys: Array<{ kid: string; state: string }> }).keys.find((k) => k.state === 'active')!;
    const started = Date.now();
    let kids: string[] = [];
    while (Date.now() - started < 15_000) {
      kids = ((await (await fetch(`${endpoints.issuer}/openid/v1/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
      if (kids.includes(active.kid)) break;
      await delay(200);
    }
    assert.ok(kids.includes(active.kid), `the new key ${active.kid} is published by the running broker (got ${kids.join(', ')})`);
    const minted = await runCli(['token', 'mint', '--sub', 's', '--aud', 'a'], env);
    assert.equal(decodeProtectedHeader(minted.stdout.trim()).kid, active.kid);
  });

  test('SIGTERM stops it with exit code 0 and removes its dev.json; the CLI then falls back to the configured default', async () => {
    const exit = await stopDev(dev);
    assert.deepEqual(exit, { code: 0, signal: null }, dev.stderr());
    await assert.rejects(stat(join(dir, 'data', 'dev.json')), { code: 'ENOENT' });
    const minted = await runCli(['token', 'mint', '--sub', 's', '--aud', 'a', '--json'], { ROLEPORT_DATA_DIR: join(dir, 'data') });
    assert.equal((JSON.parse(minted.stdout) as { claims: { iss: string } }).claims.iss, 'http://127.0.0.1:8080');
  });
});

test('roleport dev without --json prints one line per service and what to try next', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roleport-dev-'));
  const dev = startDev(['--port', '0', '--data-dir', join(dir, 'data')]);
  try {
    // `name: url` lines (issuer, web, and whatever services later issues add) up to a blank line.
    const services = new Map<string, string>();
    for (let line = await nextDevLine(dev); line !== ''; line = await nextDevLine(dev)) {
      // Loopback under two names: published content has a site of its own (localhost), apart from the broker's (127.0.0.1).
      const match = /^([a-z][a-z ]*): (http:\/\/(?:127\.0\.0\.1|localhost):\d+\S*)$/.exec(line);
      assert.ok(match, `a service line: ${JSON.stringify(line)}`);
      services.set(match[1]!, match[2]!);
    }
    const issuer = services.get('issuer');
    assert.ok(issuer !== undefined, [...services.keys()].join(', '));
    assert.equal(services.get('web'), issuer);
    assert.equal(new URL(issuer).hostname, '127.0.0.1');
    assert.equal(new URL(services.get('content') ?? 'http://missing').hostname, 'localhost');
    assert.equal(await nextDevLine(dev), 'Try next:');
    // The hints are the last lines printed: read up to the token mint one, which must name the issuer.
    const hints: string[] = [];
    while (!hints.some((line) => line.includes('token mint'))) hints.push(await nextDevLine(dev));
    assert.ok(hints.every((line) => line.startsWith('  ')), hints.join('\n'));
    assert.ok(hints.at(-1)!.includes(`ROLEPORT_DATA_DIR=${join(dir, 'data')} ROLEPORT_ISSUER=${issuer} `), hints.join('\n'));
    assert.equal((await fetch(`${issuer}/healthz`)).status, 200);
  } finally {
    const exit = await stopDev(dev);
    await rm(dir, { recursive: true, force: true });
    assert.equal(exit.code, 0);
  }
});
