import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ManualClock } from '../core/index.ts';
import { ManualTimers } from '../agent/timers.ts';
import { startContentTokenFile } from './content-token-file.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roleport-content-token-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('writes the bare token (0600), replaces it at 80% of its life, and keeps the old one through failures', async () => {
  const clock = new ManualClock();
  const timers = new ManualTimers(clock);
  const path = join(dir, 'token');
  let issued = 0;
  let failing = false;
  const errors: number[] = [];
  const file = await startContentTokenFile({
    path,
    clock,
    timers,
    random: () => 0.5,
    issue: async () => {
      if (failing) throw new Error('broker down');
      issued++;
      return { token: `token-${issued}`, issuedAt: clock.now(), expiresAt: clock.now() + 3600_000 };
    },
    onError: (_error, retryInMs) => errors.push(retryInMs),
  });
  assert.equal(await readFile(path, 'utf8'), 'token-1');
  assert.equal((await stat(path)).mode & 0o777, 0o600);

  await timers.advance(2880_000 - 1);
  assert.equal(await readFile(path, 'utf8'), 'token-1', 'not before 80%');
  await timers.advance(1);
  assert.equal(await readFile(path, 'utf8'), 'token-2');
  assert.equal(file.writes, 2);

  failing = true;
  await timers.advance(2880_000);
  assert.equal(errors.length, 1);
  assert.equal(await readFile(path, 'utf8'), 'token-2', 'the old token stays while refresh fails');
  await timers.advance(errors[0]!);
  assert.equal(errors.length, 2);
  failing = false;
  await timers.advance(60_000);
  assert.equal(await readFile(path, 'utf8'), 'token-3');
  assert.equal(file.current().token, 'token-3');

  file.stop();
  assert.equal(timers.pending, 0);
});

test('a first token that cannot be had is an error, and no file is written', async () => {
  const path = join(dir, 'never');
  await assert.rejects(
    startContentTokenFile({ path, clock: new ManualClock(), issue: async () => Promise.reject(new Error('no such content')) }),
    /no such content/,
  );
  await assert.rejects(stat(path), { code: 'ENOENT' });
});
