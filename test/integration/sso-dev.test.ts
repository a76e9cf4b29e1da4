import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoleportError } from '../../src/core/index.ts';
import { startDemoIdp } from '../../src/demo-idp/index.ts';
import { runCli } from '../helpers/run-cli.ts';
import { nextDevLine, startDev, stopDev, type DevProcess } from '../helpers/dev-process.ts';
import { rolesOnPage, signInThroughDemoIdp } from './sso-fixtures.ts';

/**
 * `roleport dev` with its demo IdP: a newcomer signs in as alice with the printed password
 * and sees her two roles, with no IdP of their own.
 */
describe('roleport dev starts a demo IdP for sign-in', () => {
  let dir: string;
  let dev: DevProcess;
  let endpoints: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sso-dev-'));
    dev = startDev(['--port', '0', '--json', '--data-dir', join(dir, 'data')]);
    endpoints = JSON.parse(await nextDevLine(dev)) as Record<string, string>;
  });
  after(async () => {
    if (dev !== undefined) await stopDev(dev);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints issuer, sts, idp and web in its JSON, the IdP on loopback with discovery', async () => {
    for (const key of ['issuer', 'sts', 'idp', 'web']) assert.ok(key in endpoints, `--json has ${key}`);
    assert.match(endpoints['idp']!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(endpoints['idp'], endpoints['web']);
    const discovery = (await (await fetch(`${endpoints['idp']}/.well-known/openid-configuration`)).json()) as { issuer: string; code_challenge_methods_supported: string[]; scopes_supported: string[] };
    assert.equal(discovery.issuer, endpoints['idp']);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.ok(discovery.scopes_supported.includes('offline_access'));
  });

  it('signs alice in (alice / alice) and shows her two roles from the array claim', async () => {
    const jar = await signInThroughDemoIdp(endpoints['web']!, 'alice', 'alice');
    const page = await (await jar.fetch(`${endpoints['web']}/`)).text();
    assert.match(page, /id="current-user">alice</);
    assert.deepEqual(rolesOnPage(page), [
      { arn: 'arn:aws:iam::111111111111:role/DataScientist', source: 'claim' },
      { arn: 'arn:aws:iam::222222222222:role/ReadOnly', source: 'claim' },
    ]);
  });

  it('signs bob in (bob / bob) with one role from a string claim, and the CLI lists both users', async () => {
    const jar = await signInThroughDemoIdp(endpoints['web']!, 'bob', 'bob');
    assert.deepEqual(rolesOnPage(await (await jar.fetch(`${endpoints['web']}/`)).text()), [{ arn: 'arn:aws:iam::222222222222:role/ReadOnly', source: 'claim' }]);
    const list = await runCli(['users', 'list', '--json'], { ROLEPORT_DATA_DIR: join(dir, 'data') });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { users: { username: string }[] }).users.map((user) => user.username), ['alice', 'bob']);
  });

  it('stops the demo IdP with the broker on SIGTERM', async () => {
    const exit = await stopDev(dev);
    assert.equal(exit.code, 0, dev.stderr());
    await assert.rejects(fetch(`${endpoints['idp']}/.well-known/openid-configuration`));
  });
});

describe('roleport dev without --json', () => {
  it('prints a "demo idp:" line and how to sign in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roleport-sso-dev-text-'));
    const dev = startDev(['--port', '0', '--data-dir', join(dir, 'data')]);
    try {
      const lines: string[] = [];
      while (!lines.some((line) => line.startsWith('web: '))) lines.push(await nextDevLine(dev));
      lines.push(await nextDevLine(dev), await nextDevLine(dev), await nextDevLine(dev));
      const idpLine = lines.find((line) => line.startsWith('demo idp: '));
      assert.match(idpLine ?? '', /^demo idp: http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(lines.some((line) => /alice \/ alice/.test(line)), lines.join('\n'));
    } finally {
      await stopDev(dev);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the demo IdP in production mode', () => {
  it('refuses to start', async () => {
    await assert.rejects(
      startDemoIdp({ mode: 'production', clients: [] }),
      (error: unknown) => isRoleportError(error) && error.code === 'ERR_CONFIG_INVALID' && /production/.test(error.message),
    );
  });
});
