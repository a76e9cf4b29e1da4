import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { freePort } from '../helpers/ports.ts';
import { runCli } from '../helpers/run-cli.ts';

/**
 * Static publishing: `roleport issuer publish --out DIR` writes discovery and JWKS, Debian's
 * nginx serves DIR on loopback as a static host would, and relying parties verify tokens the
 * broker minted against nginx alone — the broker itself is never contacted.
 */
const NGINX = '/usr/sbin/nginx';
const START_ATTEMPTS = 3;

interface StaticHost {
  url: string;
  stop(): Promise<void>;
}

/** Runs nginx in the foreground (no daemon) on 127.0.0.1, serving `root` as JSON; all its files live in `dir`. */
async function startNginx(dir: string, root: string): Promise<StaticHost> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} not found: install Debian's nginx (apt-get install -y nginx)`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const temp = join(dir, 'temp');
    await mkdir(temp, { recursive: true });
    const conf = join(dir, 'nginx.conf');
    await writeFile(
      conf,
      [
        'daemon off;',
        'worker_processes 1;',
        // Under root, the worker would run as nobody and could not read the 0700 temp directory.
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 64; }',
        'http {',
        `  client_body_temp_path ${temp}/body;`,
        `  proxy_temp_path ${temp}/proxy;`,
        `  fastcgi_temp_path ${temp}/fastcgi;`,
        `  uwsgi_temp_path ${temp}/uwsgi;`,
        `  scgi_temp_path ${temp}/scgi;`,
        '  access_log off;',
        '  types { application/json json; }',
        '  default_type application/json;',
        '  server {',
        `    listen 127.0.0.1:${port};`,
        `    root ${root};`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const child = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = `http://127.0.0.1:${port}`;
    const up = await waitUntilServing(url, exited);
    if (up) return { url, stop: () => stopChild(child, exited) };
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    if (attempt < START_ATTEMPTS && /Address already in use/.test(log + stderr)) continue;
    await stopChild(child, exited);
    throw new Error(`nginx did not start:\n${stderr}\n${log}`);
  }
}

async function waitUntilServing(url: string, exited: Promise<number | null>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 100 && !gone; i++) {
    try {
      await (await fetch(url)).arrayBuffer();
      return true;
    } catch {
      await delay(50);
    }
  }
  return false;
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT'); // nginx: graceful shutdown
  await exited;
}

describe('issuer documents published to a static host (nginx)', () => {
  let dir: string;
  let host: StaticHost;
  let env: Record<string, string>;
  let webRoot: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-static-'));
    webRoot = join(dir, 'www');
    await mkdir(webRoot);
    host = await startNginx(join(dir, 'nginx'), webRoot);
    // The issuer is the static host's URL: that is what AWS would be told to trust.
    env = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: host.url, ROLEPORT_MASTER_KEY: randomBytes(32).toString('base64') };
  });
  after(async () => {
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]): Promise<string> => {
    const result = await runCli(args, env);
    assert.equal(result.code, 0, `roleport ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  /** A verifier that fetches discovery and JWKS from the static host, with a fresh cache. */
  const verify = async (token: string) => {
    const config = await oidc.discovery(new URL(host.url), 'sts.amazonaws.com', undefined, undefined, { execute: [oidc.allowInsecureRequests] });
    const jwksUri = config.serverMetadata().jwks_uri!;
    assert.equal(jwksUri, `${host.url}/openid/v1/jwks`);
    return jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), { issuer: host.url, audience: 'sts.amazonaws.com', requiredClaims: ['exp', 'iat', 'nbf', 'jti', 'sub'] });
  };

  test('nginx serves the published documents as JSON and a minted token verifies against them', async () => {
    await cli('issuer', 'publish', '--out', webRoot);
    const response = await fetch(`${host.url}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(((await response.json()) as { issuer: string }).issuer, host.url);

    const token = await cli('token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com', '--ttl', '900');
    const { payload } = await verify(token);
    assert.equal(payload.sub, 'user:alice');
    assert.equal(payload.iss, host.url);
  });

  test('after a rotation the documents must be published again; then old and new tokens verify', async () => {
    const before = await cli('token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com');
    await cli('keys', 'rotate', '--immediate');
    const after = await cli('token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com');
    assert.notEqual(decodeProtectedHeader(after).kid, decodeProtectedHeader(before).kid);

    // The static copy still has only the old key: the new token cannot verify yet.
    await assert.rejects(verify(after), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await verify(before);

    await cli('issuer', 'publish', '--out', webRoot);
    const jwks = (await (await fetch(`${host.url}/openid/v1/jwks`)).json()) as { keys: Array<{ kid: string }> };
    assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [decodeProtectedHeader(before).kid, decodeProtectedHeader(after).kid].sort());
    await verify(after);
    await verify(before);
  });

  test('a plain rotation published right away puts the next key on the static host before it signs', async () => {
    const rotated = JSON.parse(await cli('keys', 'rotate', '--json')) as { keys: Array<{ kid: string; state: string }> };
    const next = rotated.keys.find((k) => k.state === 'next')!;
    await cli('issuer', 'publish', '--out', webRoot);
    const jwks = (await (await fetch(`${host.url}/openid/v1/jwks`)).json()) as { keys: Array<{ kid: string }> };
    assert.ok(jwks.keys.some((k) => k.kid === next.kid));
    const token = await cli('token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com');
    assert.notEqual(decodeProtectedHeader(token).kid, next.kid, 'the next key does not sign yet');
    await verify(token);
  });
});
