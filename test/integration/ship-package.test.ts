import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, startJsonProcess, stopProcess, type ProcessResult } from '../helpers/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The machine's own Node (v20 here), older than the one Roleport runs on. */
const SYSTEM_PATH = '/usr/bin:/bin';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The package as a user installs it: `npm pack` (which builds dist/), then `npm install -g`
 * of the tarball into an empty prefix with the system Node first on PATH, and the installed
 * `roleport` run from an empty directory.
 */
describe('the npm package', () => {
  let work: string;
  let tarball: string;
  let install: ProcessResult;
  let prefix: string;
  let empty: string;
  let userEnv: Record<string, string>;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'roleport-package-test-'));
    // npm's own cache stays the user's: the registry's packages need not be fetched again.
    const npmEnv = { HOME: process.env['HOME'] ?? work, PATH: `${join(ROOT, 'node_modules', '.bin')}:${SYSTEM_PATH}` };
    const pack = await runProcess('/usr/bin/npm', ['pack', '--pack-destination', work, '--json'], npmEnv, { cwd: ROOT });
    assert.equal(pack.code, 0, pack.stderr);
    const packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string }>;
    tarball = join(work, packed[0]!.filename);
    prefix = join(work, 'prefix');
    mkdirSync(prefix);
    install = await runProcess('/usr/bin/npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { ...npmEnv, PATH: SYSTEM_PATH }, { cwd: work });
    assert.equal(install.code, 0, install.stderr);
    empty = join(work, 'empty');
    mkdirSync(empty);
    userEnv = { HOME: join(work, 'home'), PATH: `${join(prefix, 'bin')}:${SYSTEM_PATH}` };
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the tarball holds the built JavaScript, no sources, tests, benches or fixtures', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '' && !file.startsWith('package/node_modules/'));
    assert.ok(files.includes('package/bin/roleport.js'));
    assert.ok(files.includes('package/dist/main.js'));
    assert.ok(files.includes('package/dist/cli/index.js'));
    const unwanted = files.filter((file) => /\.ts$|\.test\.|(^|\/)(test|bench|src|scripts)\/|fixture/.test(file.slice('package/'.length)));
    assert.deepEqual(unwanted, []);
    assert.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).private, undefined);
  });

  test('npm install -g prints no engine or install-script warning', () => {
    assert.doesNotMatch(install.stderr, /EBADENGINE|install-scripts|npm warn/);
  });

  test('the installed roleport works from an empty directory with the system Node first on PATH', async () => {
    const systemNode = await runProcess('/usr/bin/env', ['node', '--version'], userEnv);
    assert.ok(Number(/^v(\d+)/.exec(systemNode.stdout)![1]) < 24, `the system Node is older than 24 (${systemNode.stdout.trim()})`);

    const version = await runProcess('roleport', ['--version'], userEnv, { cwd: empty });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `${VERSION}\n`);

    writeFileSync(join(work, 'trust.json'), JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/idp.example.com' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'idp.example.com:aud': 'sts.amazonaws.com' } } }],
    }));
    writeFileSync(join(work, 'claims.json'), JSON.stringify({ iss: 'https://idp.example.com', aud: 'sts.amazonaws.com', sub: 'user:alice' }));
    const explain = await runProcess('roleport', ['policy', 'explain', '--policy', join(work, 'trust.json'), '--claims', join(work, 'claims.json'), '--json'], userEnv, { cwd: empty });
    assert.equal(explain.code, 0, explain.stderr);
    assert.equal((JSON.parse(explain.stdout) as { decision: string }).decision, 'allow');

    const dev = await startJsonProcess('roleport', ['dev', '--json', '--port', '0'], userEnv, { cwd: empty });
    try {
      assert.deepEqual(Object.keys(dev.first).sort(), ['azure', 'ca', 'content', 'gcp', 'idp', 'issuer', 'sts', 'web'], 'the contract\'s keys, the content origin, and the local Google STS, Entra endpoint and dev CA');
      const discovery = await fetch(`${String(dev.first['issuer'])}/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200);
      assert.equal(((await discovery.json()) as { issuer: string }).issuer, dev.first['issuer']);
    } finally {
      assert.equal(await stopProcess(dev.child), 0, dev.stderr());
    }
    // dev keeps its data in ./.roleport of the directory it ran in.
    assert.ok(readdirSync(join(empty, '.roleport')).includes('master.key'));
  });
});
