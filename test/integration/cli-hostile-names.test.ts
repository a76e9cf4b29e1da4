/**
 * Hostile names reach the CLI's tables escaped: a row stored before names were validated
 * (or by anything that writes the database) holds CR/LF, ESC sequences and bidi controls;
 * `roleport api-keys list` prints them as visible escapes, one line per row.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createServices } from '../../src/services.ts';
import { runCli } from '../helpers/run-cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roleport-hostile-names-'));
  const services = await createServices(loadConfig({ env: { ROLEPORT_DATA_DIR: dir } }));
  try {
    const row = { role: 'publisher' as const, key_hash: '0'.repeat(64), created_at: Date.parse('2026-01-01T00:00:00Z'), created_by: 'test', last_used_at: null, revoked_at: null };
    await services.repositories.apiKeys.insert({ ...row, id: 'key_forged', name: 'innocent\r\nkey_admin  admin-key  admin' });
    await services.repositories.apiKeys.insert({ ...row, id: 'key_escape', name: '\u001b]0;owned\u0007\u001b[2Jcleared' });
    await services.repositories.apiKeys.insert({ ...row, id: 'key_bidi', name: 'report\u202egpj.exe' });
  } finally {
    await services.close();
  }
});
after(() => rm(dir, { recursive: true, force: true }));

test('roleport api-keys list escapes CR/LF, ESC and bidi controls in names', async () => {
  const listed = await runCli(['api-keys', 'list'], { ROLEPORT_DATA_DIR: dir });
  assert.equal(listed.code, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, /[\r\u001b\u0007\u202a-\u202e\u2066-\u2069]/, 'no raw control or bidi character reaches the terminal');
  const lines = listed.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4, 'a header and one line per key');
  assert.ok(lines.some((line) => line.includes('innocent\\r\\nkey_admin  admin-key  admin')), listed.stdout);
  assert.ok(lines.some((line) => line.includes('\\x1b]0;owned\\x07\\x1b[2Jcleared')), listed.stdout);
  assert.ok(lines.some((line) => line.includes('report\\u202egpj.exe')), listed.stdout);
});
