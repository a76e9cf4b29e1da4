import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeTokenFile } from '../../src/agent/index.ts';

/**
 * The token file under concurrent reading: a separate process reads it in a tight loop while
 * this one rewrites it thousands of times with tokens of different lengths (so a torn or
 * truncated read could not pass for a whole token). Every read must be a complete JWT.
 */

// The reader, run by `node -e`: reads until told to stop (stdin closes), checks each read is
// three base64url parts whose header and payload parse as JSON, and reports counts.
const READER = `
const { readFileSync } = require('node:fs');
const file = process.argv[1];
let reads = 0, bad = 0, missing = 0, firstBad = null, stop = false;
process.stdin.on('end', () => { stop = true; }).resume();
function check(text) {
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  try {
    JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    return typeof claims.n === 'number' && claims.pad.length === claims.padLength;
  } catch { return false; }
}
function loop() {
  for (let i = 0; i < 200; i++) {
    let text;
    try { text = readFileSync(file, 'utf8'); } catch (e) { if (e.code === 'ENOENT') { missing++; continue; } throw e; }
    reads++;
    if (!check(text)) { bad++; if (firstBad === null) firstBad = JSON.stringify(text.slice(0, 80)); }
  }
  if (stop) process.stdout.write(JSON.stringify({ reads, bad, missing, firstBad }));
  else setImmediate(loop);
}
loop();
`;

function jwt(n: number): string {
  // Lengths vary from ~100 bytes to ~6 KB, so a reader that saw a mix of two writes would fail the check.
  const padLength = (n * 7919) % 6000;
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ n, padLength, pad: 'x'.repeat(padLength) })).toString('base64url');
  return `${header}.${payload}.${randomBytes(256).toString('base64url')}`;
}

test('a concurrent reader never sees an empty or partial token across thousands of rewrites; 0600, no newline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roleport-token-file-'));
  try {
    const file = join(dir, 'token');
    writeTokenFile(file, jwt(0));
    const reader = spawn(process.execPath, ['-e', READER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => reader.once('exit', resolve));

    const rewrites = 3000;
    for (let n = 1; n <= rewrites; n++) {
      writeTokenFile(file, jwt(n));
      // Let the reader's reads interleave with the writes instead of racing one long burst.
      if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    reader.stdin.end();
    assert.equal(await exited, 0);
    const report = JSON.parse(output) as { reads: number; bad: number; missing: number; firstBad: string | null };
    assert.equal(report.bad, 0, `a read was not a whole JWT: ${report.firstBad}`);
    assert.equal(report.missing, 0, 'the file was missing during a rewrite');
    assert.ok(report.reads > 0);

    const final = readFileSync(file, 'utf8');
    assert.equal(JSON.parse(Buffer.from(final.split('.')[1]!, 'base64url').toString()).n, rewrites);
    assert.ok(!final.endsWith('\n'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // No temp files left behind.
    assert.deepEqual(readdirSync(dir), ['token']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a token with whitespace is refused before it reaches the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roleport-token-file-'));
  try {
    const file = join(dir, 'token');
    writeTokenFile(file, jwt(1));
    assert.throws(() => writeTokenFile(file, `${jwt(2)}\n`), TypeError);
    assert.throws(() => writeTokenFile(file, ''), TypeError);
    assert.equal(readFileSync(file, 'utf8').split('.').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
