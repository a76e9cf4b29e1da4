import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { runCli, type CliResult } from '../helpers/run-cli.ts';

/**
 * The foundation's admin commands as an operator runs them: `roleport` in a child process
 * on a data directory given by ROLEPORT_DATA_DIR, checked through stdout, stderr and the
 * exit code (0 success, 1 failure, 2 bad usage or input).
 */
const ISSUER = 'https://issuer.example.test/roleport';

interface KeyJson {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retired';
  created_at: string;
  activate_after: string;
  activated_at: string | null;
  retired_at: string | null;
  remove_after: string | null;
}

/** stderr must be exactly one line, `roleport: …`, for a failure the operator has to act on. */
function assertOneLine(result: CliResult, expected: RegExp): void {
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `one line on stderr, got: ${JSON.stringify(result.stderr)}`);
  assert.match(lines[0]!, expected);
  assert.equal(result.stdout, '');
}

describe('roleport keys / token / issuer / config on a data directory', () => {
  let dir: string;
  let env: Record<string, string>;
  const masterKey = randomBytes(32).toString('base64');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-cli-'));
    env = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: ISSUER, ROLEPORT_MASTER_KEY: masterKey };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const listKeys = async (): Promise<KeyJson[]> => {
    const result = await runCli(['keys', 'list', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { keys: KeyJson[] }).keys;
  };
  const publish = async (out: string): Promise<{ issuer: string; files: string[]; kids: string[] }> => {
    const result = await runCli(['issuer', 'publish', '--out', out, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { issuer: string; files: string[]; kids: string[] };
  };
  const publishedJwks = async (out: string) => createLocalJWKSet(JSON.parse(await readFile(join(out, 'openid/v1/jwks'), 'utf8')) as JSONWebKeySet);

  test('keys list: the first command creates one active RS256 key; --json and the table agree', async () => {
    const keys = await listKeys();
    assert.equal(keys.length, 1);
    const [key] = keys;
    assert.equal(key!.state, 'active');
    assert.equal(key!.alg, 'RS256');
    assert.match(key!.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.match(key!.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    assert.equal(key!.retired_at, null);

    const text = await runCli(['keys', 'list'], env);
    assert.equal(text.code, 0);
    const [header, row, ...rest] = text.stdout.trimEnd().split('\n');
    assert.match(header!, /^KID\s+ALG\s+STATE\s+CREATED\s+SIGNS FROM\s+RETIRED\s+LEAVES JWKS$/);
    assert.match(row!, new RegExp(`^${key!.kid}\\s+RS256\\s+active\\s`));
    assert.deepEqual(rest, []);
  });

  test('token mint prints a bare token that verifies against the published JWKS', async () => {
    const result = await runCli(['token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com', '--ttl', '600', '--claim', 'team=data', '--claim', 'groups=["a","b"]', '--claim', 'level=3'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the bare token, not even a newline when stdout is not a terminal (a token file)');
    const token = result.stdout.trim();

    const out = join(dir, 'published');
    const published = await publish(out);
    assert.equal(published.issuer, ISSUER);
    assert.deepEqual(published.files, [join(out, '.well-known/openid-configuration'), join(out, 'openid/v1/jwks')]);
    const { payload, protectedHeader } = await jwtVerify(token, await publishedJwks(out), {
      issuer: ISSUER,
      audience: 'sts.amazonaws.com',
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'iat', 'nbf', 'jti', 'sub'],
    });
    assert.equal(protectedHeader.kid, published.kids[0]);
    assert.equal(payload.sub, 'user:alice');
    assert.equal(payload.exp! - payload.iat!, 600);
    assert.equal(payload['team'], 'data');
    assert.deepEqual(payload['groups'], ['a', 'b']);
    assert.equal(payload['level'], 3);
  });

  test('token mint --json gives the token with its jti, kid and expiry; several --aud give an array', async () => {
    const result = await runCli(['token', 'mint', '--sub', 'user:bob', '--aud', 'a1', '--aud', 'a2', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const minted = JSON.parse(result.stdout) as { token: string; jti: string; kid: string; expires_at: string; claims: Record<string, unknown> };
    assert.equal(decodeProtectedHeader(minted.token).kid, minted.kid);
    assert.deepEqual(minted.claims['aud'], ['a1', 'a2']);
    assert.equal(minted.claims['jti'], minted.jti);
    assert.equal(Date.parse(minted.expires_at) / 1000, minted.claims['exp']);
    assert.equal((minted.claims['exp'] as number) - (minted.claims['iat'] as number), 3600, 'the default lifetime');
  });

  test('keys rotate publishes a next key that does not sign yet; --immediate makes it sign', async () => {
    const [first] = await listKeys();
    const rotated = await runCli(['keys', 'rotate', '--json'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    const afterRotate = (JSON.parse(rotated.stdout) as { keys: KeyJson[] }).keys;
    assert.deepEqual(afterRotate.map((k) => [k.kid === first!.kid, k.state]), [[true, 'active'], [false, 'next']]);
    const next = afterRotate[1]!;
    assert.equal(Date.parse(next.activate_after) - Date.parse(next.created_at), 305_000, 'published for the JWKS cache time plus one check first');

    const stillOld = await runCli(['token', 'mint', '--sub', 's', '--aud', 'a'], env);
    assert.equal(decodeProtectedHeader(stillOld.stdout.trim()).kid, first!.kid);

    const out = join(dir, 'published-rotated');
    assert.deepEqual((await publish(out)).kids.sort(), [first!.kid, next.kid].sort(), 'the next key is published before it signs');

    const immediate = await runCli(['keys', 'rotate', '--immediate', '--json'], env);
    assert.equal(immediate.code, 0, immediate.stderr);
    const afterImmediate = (JSON.parse(immediate.stdout) as { keys: KeyJson[] }).keys;
    assert.deepEqual(afterImmediate.map((k) => [k.kid, k.state]), [[first!.kid, 'retired'], [next.kid, 'active']], 'the pending next key is promoted');
    assert.ok(afterImmediate[0]!.remove_after !== null);

    const minted = await runCli(['token', 'mint', '--sub', 's', '--aud', 'a'], env);
    assert.equal(decodeProtectedHeader(minted.stdout.trim()).kid, next.kid);
    await jwtVerify(minted.stdout.trim(), await publishedJwks(out), { issuer: ISSUER });
    await jwtVerify(stillOld.stdout.trim(), await publishedJwks(out), { issuer: ISSUER });

    const text = await runCli(['keys', 'list'], env);
    assert.match(text.stdout, /\sretired\s/);
  });

  test('issuer publish writes world-readable documents at the paths AWS requests', async () => {
    const out = join(dir, 'published-modes');
    await publish(out);
    const discovery = JSON.parse(await readFile(join(out, '.well-known/openid-configuration'), 'utf8')) as Record<string, unknown>;
    assert.equal(discovery['issuer'], ISSUER);
    assert.equal(discovery['jwks_uri'], `${ISSUER}/openid/v1/jwks`);
    for (const file of ['.well-known/openid-configuration', 'openid/v1/jwks']) assert.equal((await stat(join(out, file))).mode & 0o777, 0o644);
    const text = await runCli(['issuer', 'publish', '--out', out], env);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`^issuer: ${ISSUER}\nwrote .+openid-configuration\nwrote .+jwks\nkeys: `));
  });

  test('config check validates without starting anything and prints the resolved settings without secrets', async () => {
    const result = await runCli(['config', 'check', '--json'], { ...env, ROLEPORT_DATABASE_URL: 'postgres://roleport:hunter2@db.example.test/roleport' });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(summary['valid'], true);
    assert.equal(summary['issuer'], ISSUER);
    assert.equal(summary['database_url'], 'postgres://roleport:***@db.example.test/roleport');
    assert.equal(summary['master_key'], 'provided');
    assert.ok(!result.stdout.includes(masterKey) && !result.stdout.includes('hunter2'));
    const text = await runCli(['config', 'check'], env);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^configuration is valid \(environment\/defaults\)\n/);
  });

  test('a wrong master key: exit 1, one clear line, and the database file is unchanged', async () => {
    const file = join(dir, 'data', 'roleport.sqlite');
    const hash = async () => createHash('sha256').update(await readFile(file)).digest('hex');
    const before = await hash();
    const result = await runCli(['keys', 'list'], { ...env, ROLEPORT_MASTER_KEY: randomBytes(32).toString('base64') });
    assert.equal(result.code, 1);
    assertOneLine(result, /^roleport: stored secrets were encrypted with a different master key/);
    assert.equal(await hash(), before);
  });

  describe('bad usage and bad input: exit 2 and one line naming the problem', { concurrency: true }, () => {
    const cases: Array<{ name: string; args: string[]; env?: Record<string, string>; file?: string; stderr: RegExp }> = [
      { name: 'token mint without --aud', args: ['token', 'mint', '--sub', 'a'], stderr: /required option '--aud <audience>' not specified/ },
      { name: 'token mint without --sub', args: ['token', 'mint', '--aud', 'a'], stderr: /required option '--sub <subject>' not specified/ },
      { name: 'a --ttl that is not a number', args: ['token', 'mint', '--sub', 'a', '--aud', 'b', '--ttl', 'soon'], stderr: /^roleport: --ttl soon: expected a positive whole number of seconds$/ },
      { name: 'a --ttl above the maximum', args: ['token', 'mint', '--sub', 'a', '--aud', 'b', '--ttl', '90000'], stderr: /^roleport: ttl must be a whole number of seconds between 1 and 43200$/ },
      { name: 'a --claim without =', args: ['token', 'mint', '--sub', 'a', '--aud', 'b', '--claim', 'team'], stderr: /^roleport: --claim team: expected key=value$/ },
      { name: 'a --claim for a registered claim', args: ['token', 'mint', '--sub', 'a', '--aud', 'b', '--claim', 'iss=https://evil.example'], stderr: /^roleport: claim iss is set by the issuer and cannot be given$/ },
      { name: 'config check with a YAML syntax error', args: ['config', 'check'], file: 'issuer: [oops\n', stderr: /^roleport: FILE: not valid YAML: .+ at line \d+, column \d+:?$/ },
      { name: 'config check with an unknown key', args: ['config', 'check'], file: 'tokens:\n  maxTTL: 60\n', stderr: /^roleport: tokens\.maxTTL: unknown key \(in FILE\)$/ },
      { name: 'config check with a wrong type', args: ['config', 'check'], file: 'keys:\n  rotationIntervalSeconds: weekly\n', stderr: /^roleport: keys\.rotationIntervalSeconds: .*expected number.* \(in FILE\)$/ },
      { name: 'serve with a malformed config stops at start-up', args: ['serve'], file: 'listen: localhost\n', stderr: /^roleport: listen: must be host:port, e\.g\. 127\.0\.0\.1:8080 \(in FILE or ROLEPORT_LISTEN\)$/ },
      { name: 'keys list with a bad environment override', args: ['keys', 'list'], env: { ROLEPORT_KEYS_ALGORITHM: 'HS256' }, stderr: /^roleport: keys\.algorithm: .* \(from ROLEPORT_KEYS_ALGORITHM\)$/ },
      { name: 'a missing config file', args: ['config', 'check', '--config', '/nonexistent/roleport.yaml'], stderr: /^roleport: cannot read config file \/nonexistent\/roleport\.yaml: ENOENT$/ },
      { name: 'an unknown command', args: ['keys', 'frobnicate'], stderr: /unknown command|too many arguments/ },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        let args = c.args;
        let expected = c.stderr;
        if (c.file !== undefined) {
          const file = join(dir, `config-${randomBytes(4).toString('hex')}.yaml`);
          await writeFile(file, c.file);
          args = [...args, '--config', file];
          expected = new RegExp(c.stderr.source.replaceAll('FILE', file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        }
        const result = await runCli(args, { ...env, ...c.env });
        assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
        assertOneLine(result, expected);
      });
    }
  });

  test('--help succeeds and lists the foundation commands', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const command of ['serve', 'dev', 'config', 'keys', 'token', 'issuer']) assert.match(result.stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
  });
});
