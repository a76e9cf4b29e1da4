import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RoleportError } from '../core/index.ts';
import { loadConfig } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'roleport-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function configFile(text: string): string {
  const path = join(dir, `config-${fileCounter++}.yaml`);
  writeFileSync(path, text);
  return path;
}

test('defaults: loopback listen, http issuer from it, SQLite in the data directory, RS256, pre-publication = JWKS cache time', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.listen, '127.0.0.1:8080');
  assert.equal(config.issuer, 'http://127.0.0.1:8080');
  assert.equal(config.dataDir, resolve('.roleport'));
  assert.equal(config.databaseUrl, `sqlite:${resolve('.roleport', 'roleport.sqlite')}`);
  assert.equal(config.keys.algorithm, 'RS256');
  assert.equal(config.keys.rsaModulusLength, 2048);
  assert.equal(config.keys.prePublicationSeconds, config.keys.jwksCacheSeconds);
  // The role part binds each session token to its role in AWS (issue 10).
  assert.equal(config.tokens.subjectTemplate, 'user:{username}:role:{account_id}:{role_name}');
  assert.deepEqual(config.sessions.audiences, ['sts.amazonaws.com']);
  assert.equal(config.mode, 'development');
  assert.equal(config.source, 'environment/defaults');
});

test('the default audience must be one sessions may ask for', () => {
  const file = configFile('tokens:\n  defaultAudience: https://vault.example.com\n');
  assert.throws(
    () => loadConfig({ file, env: {} }),
    (error: unknown) => error instanceof RoleportError && error.code === 'ERR_CONFIG_INVALID' && /^tokens\.defaultAudience: https:\/\/vault\.example\.com must be one of sessions\.audiences \(sts\.amazonaws\.com\)/.test(error.message),
  );
  const listed = loadConfig({ file: configFile('tokens:\n  defaultAudience: https://vault.example.com\nsessions:\n  audiences: [sts.amazonaws.com, https://vault.example.com]\n'), env: {} });
  assert.deepEqual(listed.sessions.audiences, ['sts.amazonaws.com', 'https://vault.example.com']);
});

test('precedence: flag > environment > file > default', () => {
  const file = configFile('issuer: https://file.example.test\nlisten: 0.0.0.0:9000\nkeys:\n  algorithm: ES256\n  jwksCacheSeconds: 60\n');
  const fromFile = loadConfig({ file, env: {} });
  assert.equal(fromFile.issuer, 'https://file.example.test');
  assert.equal(fromFile.keys.algorithm, 'ES256');
  assert.equal(fromFile.keys.jwksCacheSeconds, 60);
  assert.equal(fromFile.source, file);

  const env = { ROLEPORT_ISSUER: 'https://env.example.test/', ROLEPORT_KEYS_ALGORITHM: 'RS256', ROLEPORT_LISTEN: '127.0.0.1:7000' };
  const fromEnv = loadConfig({ file, env });
  assert.equal(fromEnv.issuer, 'https://env.example.test', 'a trailing slash is dropped so iss and jwks_uri are stable');
  assert.equal(fromEnv.keys.algorithm, 'RS256');
  assert.equal(fromEnv.keys.jwksCacheSeconds, 60, 'file values the environment does not touch survive');
  assert.equal(fromEnv.listen, '127.0.0.1:7000');

  const fromFlag = loadConfig({ file, env, overrides: { issuer: 'https://flag.example.test', dataDir: undefined } });
  assert.equal(fromFlag.issuer, 'https://flag.example.test');
});

test('ROLEPORT_CONFIG names the file; ROLEPORT_DATABASE_URL and ROLEPORT_MASTER_KEY are taken as given', () => {
  const file = configFile('mode: development\n');
  const config = loadConfig({ env: { ROLEPORT_CONFIG: file, ROLEPORT_DATABASE_URL: 'postgres://u:p@db.example.test/roleport', ROLEPORT_MASTER_KEY: '0123456789' } });
  assert.equal(config.source, file);
  assert.equal(config.databaseUrl, 'postgres://u:p@db.example.test/roleport');
  assert.equal(config.masterKey, '0123456789', 'a numeric-looking key stays a string');
});

test('an empty file is the defaults', () => {
  assert.equal(loadConfig({ file: configFile(''), env: {} }).listen, '127.0.0.1:8080');
});

interface BadCase {
  name: string;
  file?: string;
  env?: Record<string, string>;
  /** The one-line message, with FILE standing for the file's path. */
  expected: RegExp | ((file: string) => string);
}

const badCases: BadCase[] = [
  {
    name: 'a YAML syntax error names the file and the line',
    file: 'issuer: [unclosed\nlisten: 127.0.0.1:1\n',
    expected: /^\/.+\.yaml: not valid YAML: .*line \d+/,
  },
  { name: 'a list at the top level', file: '- a\n- b\n', expected: (file) => `${file}: the top level must be a mapping of keys` },
  { name: 'an unknown top-level key', file: 'isuer: https://x.example.test\n', expected: (file) => `isuer: unknown key (in ${file})` },
  { name: 'an unknown nested key', file: 'keys:\n  algorithim: ES256\n', expected: (file) => `keys.algorithim: unknown key (in ${file})` },
  { name: 'a wrong type', file: 'keys:\n  jwksCacheSeconds: soon\n', expected: (file) => `keys.jwksCacheSeconds: Invalid input: expected number, received string (in ${file})` },
  { name: 'a value out of range', file: 'keys:\n  rsaModulusLength: 1024\n', expected: /^keys\.rsaModulusLength: .*2048.* \(in \/.+\.yaml\)$/ },
  { name: 'an unsupported algorithm', file: 'keys:\n  algorithm: HS256\n', expected: /^keys\.algorithm: .*"RS256".*"ES256".* \(in \/.+\.yaml or ROLEPORT_KEYS_ALGORITHM\)$/ },
  { name: 'an issuer with a query', file: 'issuer: https://x.example.test/?a=b\n', expected: /^issuer: must be an http\(s\) URL without query or fragment \(in \/.+\.yaml or ROLEPORT_ISSUER\)$/ },
  { name: 'a listen address without a port', file: 'listen: localhost\n', expected: /^listen: must be host:port/ },
  { name: 'a database URL of another kind', file: 'databaseUrl: mysql://db/x\n', expected: /^databaseUrl: must be sqlite:PATH or postgres:\/\/… / },
  {
    name: 'pre-publication shorter than the JWKS cache time',
    file: 'keys:\n  jwksCacheSeconds: 600\n  prePublicationSeconds: 60\n',
    expected: /^keys\.prePublicationSeconds: must be at least keys\.jwksCacheSeconds \(600\) .* \(in \/.+\.yaml\)$/,
  },
  { name: 'production with an http issuer', file: 'mode: production\nissuer: http://broker.internal\n', expected: /^issuer: production mode needs an https:\/\/ issuer/ },
  { name: 'a bad environment value names the variable', env: { ROLEPORT_KEYS_ALGORITHM: 'none' }, expected: /^keys\.algorithm: .* \(from ROLEPORT_KEYS_ALGORITHM\)$/ },
  { name: 'a bad ROLEPORT_MODE', env: { ROLEPORT_MODE: 'prod' }, expected: /^mode: .* \(from ROLEPORT_MODE\)$/ },
];

for (const c of badCases) {
  test(`bad configuration: ${c.name} → one ERR_CONFIG_INVALID line`, () => {
    const file = c.file === undefined ? undefined : configFile(c.file);
    assert.throws(
      () => loadConfig({ file, env: c.env ?? {} }),
      (error: unknown) => {
        assert.ok(error instanceof RoleportError, String(error));
        assert.equal(error.code, 'ERR_CONFIG_INVALID');
        assert.ok(!error.message.includes('\n'), `one line: ${JSON.stringify(error.message)}`);
        if (typeof c.expected === 'function') assert.equal(error.message, c.expected(file!));
        else assert.match(error.message, c.expected);
        if (file !== undefined) assert.ok(error.message.includes(file), `names the file: ${error.message}`);
        return true;
      },
    );
  });
}

test('a missing config file is one line naming it', () => {
  const missing = join(dir, 'nope.yaml');
  assert.throws(() => loadConfig({ file: missing, env: {} }), { code: 'ERR_CONFIG_INVALID', message: `cannot read config file ${missing}: ENOENT` });
});
