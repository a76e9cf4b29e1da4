import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer, loadMasterKey } from './index.ts';
import { RoleportError } from '../core/index.ts';

test('a sealed secret opens with the same key and associated data', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal('s3cret', 'signing_keys:k1');
  assert.ok(!sealed.includes('s3cret'));
  assert.equal(sealer.openText(sealed, 'signing_keys:k1'), 's3cret');
});

test('a ciphertext moved to another row fails authentication', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal('s3cret', 'signing_keys:k1');
  assert.throws(() => sealer.open(sealed, 'signing_keys:k2'), (e: unknown) => e instanceof RoleportError && e.code === 'ERR_SECRET_TAMPERED');
});

test('a tampered ciphertext fails authentication', () => {
  const sealer = createSealer(randomBytes(32));
  const parts = sealer.seal('s3cret-value', 'row').split('.');
  const body = Buffer.from(parts[3]!, 'base64url');
  body[0] = body[0]! ^ 1;
  parts[3] = body.toString('base64url');
  assert.throws(() => sealer.open(parts.join('.'), 'row'), (e: unknown) => e instanceof RoleportError && e.code === 'ERR_SECRET_TAMPERED');
});

test('a wrong master key is reported as such, not as garbage', () => {
  const sealed = createSealer(randomBytes(32)).seal('s3cret', 'row');
  assert.throws(() => createSealer(randomBytes(32)).open(sealed, 'row'), (e: unknown) => e instanceof RoleportError && e.code === 'ERR_MASTER_KEY_MISMATCH');
});

test('a generated master key is written once with mode 0600 and read back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roleport-mk-'));
  const first = loadMasterKey(undefined, dir);
  assert.equal(first.source, 'generated');
  assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
  const second = loadMasterKey(undefined, dir);
  assert.equal(second.source, 'file');
  assert.deepEqual(second.key, first.key);
});

test('a provided master key must decode to 32 bytes', () => {
  assert.equal(loadMasterKey(randomBytes(32).toString('base64'), '/nonexistent').key.length, 32);
  assert.equal(loadMasterKey(randomBytes(32).toString('hex'), '/nonexistent').key.length, 32);
  assert.throws(() => loadMasterKey('too-short', '/nonexistent'), /ROLEPORT_MASTER_KEY: master key must be 32 bytes/);
});

test('a master key file readable by others is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roleport-mk-'));
  writeFileSync(join(dir, 'master.key'), randomBytes(32).toString('base64url'));
  chmodSync(join(dir, 'master.key'), 0o644);
  assert.throws(() => loadMasterKey(undefined, dir), /readable by others/);
});
