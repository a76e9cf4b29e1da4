#!/usr/bin/env node
// The `roleport` command. Roleport runs on Node.js 24 or later: from its TypeScript sources
// in a checkout (Node strips the types), from the JavaScript built into dist/ when installed
// (Node does not strip types under node_modules). Started by an older Node, this shim
// re-runs itself with the Node 24 that the optional dependency node-linux-<arch> installs.
// Keep it plain JavaScript that Node 20 can parse.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major < 24) {
  const node = bundledNode();
  if (node === undefined) {
    process.stderr.write(`roleport: needs Node.js 24 or later (this is ${process.version}), and no node-linux-${process.arch} package is installed beside it\n`);
    process.exit(1);
  }
  const child = spawn(node, [self, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + 15)));
} else {
  const { enableCompileCache } = await import('node:module');
  // Caches V8's compiled code on disk (os.tmpdir()/node-compile-cache): every later start skips parsing.
  enableCompileCache?.();
  const sources = join(root, 'src', 'main.ts');
  await import(pathToFileURL(existsSync(sources) ? sources : join(root, 'dist', 'main.js')).href);
}

/** The Node binary of node-linux-<arch> (nested in this package or hoisted beside it), or of the older `node` package. */
function bundledNode() {
  const require = createRequire(import.meta.url);
  for (const name of [`node-${process.platform}-${process.arch}`, 'node']) {
    try {
      const manifest = require.resolve(`${name}/package.json`);
      const binary = join(dirname(manifest), 'bin', 'node');
      if (existsSync(binary)) return binary;
    } catch {
      // not installed
    }
  }
  return undefined;
}
