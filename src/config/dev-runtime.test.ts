import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.ts';
import { DEV_RUNTIME_FILE, readDevRuntime, removeDevRuntime, writeDevRuntime, type DevRuntime } from './dev-runtime.ts';

const record = (pid: number): DevRuntime => ({ issuer: 'http://127.0.0.1:41234', web: 'http://127.0.0.1:41234', sts: 'http://127.0.0.1:41235', idp: 'http://127.0.0.1:41236', pid, startedAt: new Date(0).toISOString() });

test('the record of a running dev names its issuer; a dead process, a malformed file or none is no record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roleport-dev-runtime-'));
  try {
    assert.equal(readDevRuntime(dir), undefined);
    writeDevRuntime(dir, record(process.pid));
    assert.equal(statSync(join(dir, DEV_RUNTIME_FILE)).mode & 0o777, 0o644);
    assert.deepEqual(readDevRuntime(dir), record(process.pid));
    const defaults = (issuer: string | undefined) => loadConfig({ env: {}, overrides: { dataDir: dir }, defaultIssuer: () => issuer });
    assert.equal(defaults(readDevRuntime(dir)?.issuer).issuer, 'http://127.0.0.1:41234');
    assert.equal(loadConfig({ env: { ROLEPORT_ISSUER: 'https://configured.example.com' }, overrides: { dataDir: dir }, defaultIssuer: () => readDevRuntime(dir)?.issuer }).issuer, 'https://configured.example.com');

    // A process that has exited: its record is stale (dev crashed without removing it).
    const exited = spawnSync(process.execPath, ['-e', '']).pid!;
    writeDevRuntime(dir, record(exited));
    assert.equal(readDevRuntime(dir), undefined);
    assert.equal(defaults(readDevRuntime(dir)?.issuer).issuer, 'http://127.0.0.1:8080');

    writeFileSync(join(dir, DEV_RUNTIME_FILE), '{"issuer": 42}');
    assert.equal(readDevRuntime(dir), undefined);

    // Removing takes only our own record.
    writeDevRuntime(dir, record(process.pid));
    removeDevRuntime(dir, process.pid + 1);
    assert.notEqual(readDevRuntime(dir), undefined);
    removeDevRuntime(dir, process.pid);
    assert.equal(readDevRuntime(dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
