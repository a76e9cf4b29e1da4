/**
 * `npm run build`: the JavaScript that the package publishes, in dist/ (tsc with
 * tsconfig.build.json: no tests, `.ts` import specifiers rewritten to `.js`). Removes the
 * previous build first so that no stale module of a deleted source is published; leaves
 * the single executable (`npm run build:binary`) alone.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

for (const entry of safeReaddir(DIST)) {
  if (entry.isDirectory() || /\.(js|d\.ts|map)$/.test(entry.name)) rmSync(join(DIST, entry.name), { recursive: true, force: true });
}
const tsc = spawnSync('tsc', ['-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (tsc.error !== undefined) {
  process.stderr.write(`build: cannot run tsc (${tsc.error.message}); run it through npm run build\n`);
  process.exitCode = 1;
} else {
  process.exitCode = tsc.status ?? 1;
}

function safeReaddir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
