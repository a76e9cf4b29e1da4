#!/usr/bin/env node
// Roleport runs its TypeScript sources directly on Node.js 24 (type stripping). When this
// shim is started by an older system Node, it re-runs itself with the Node 24 that the
// `node` devDependency installs (npm scripts already put it first on PATH).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    process.stderr.write(`roleport: needs Node.js 24 or later (this is ${process.version}); run npm install to get it\n`);
    process.exit(1);
  }
  const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + 15)));
} else {
  await import(pathToFileURL(join(root, 'src', 'main.ts')).href);
}
