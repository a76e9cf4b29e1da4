/**
 * `npm run build:binary`: one executable for session images, dist/roleport-linux-<arch>,
 * that needs no Node, no node_modules and no checkout on the machine. An esbuild bundle of
 * the whole CLI (every command: the in-session ones and the broker) as CommonJS, put into a
 * copy of this Node 24 (the node-linux-<arch> package) as a single executable application
 * with postject, with V8's code cache built in so that it starts without parsing.
 * @see https://nodejs.org/api/single-executable-applications.html
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The bundle and blob are build intermediates: outside dist/, which npm run build cleans and npm pack reads.
const WORK = mkdtempSync(join(tmpdir(), 'roleport-sea-'));
const OUTPUT = join(ROOT, 'dist', `roleport-${process.platform}-${process.arch}`);
// The fuse postject flips in the Node binary so that it looks for its blob (Node's documented value).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

if (process.platform !== 'linux') throw new Error('build:binary builds Linux executables (session images); run it on Linux');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) throw new Error(`build:binary needs the project's Node 24 (this is ${process.version}); run it through npm run build:binary`);

mkdirSync(join(ROOT, 'dist'), { recursive: true });
const bundle = join(WORK, 'roleport.cjs');
await build({
  // main.ts's job, without its top-level await (a CommonJS bundle cannot have one).
  stdin: {
    contents: "import { runCli } from './src/cli/index.ts';\nrunCli(process.argv.slice(2)).then((code) => { if (code !== 0) process.exit(code); process.exitCode = code; });\n",
    resolveDir: ROOT,
    sourcefile: 'sea-main.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  legalComments: 'eof',
  outfile: bundle,
  // pg's optional native binding; Roleport uses the pure-JavaScript driver.
  external: ['pg-native'],
  // version.ts and roleport-command.ts ask node:sea before they would read import.meta.url.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});

const blob = join(WORK, 'roleport.blob');
const config = join(WORK, 'sea-config.json');
writeFileSync(
  config,
  JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets: { 'package.json': join(ROOT, 'package.json') } }),
);
run(process.execPath, ['--experimental-sea-config', config]);

rmSync(OUTPUT, { force: true });
copyFileSync(process.execPath, OUTPUT);
chmodSync(OUTPUT, 0o755);
// Symbols are for debugging Node itself; without them the executable is a third smaller.
if (spawnSync('strip', ['--version'], { stdio: 'ignore' }).status === 0) run('strip', ['--strip-all', OUTPUT]);
else process.stderr.write('build:binary: no strip (binutils) on PATH: the executable keeps its symbols\n');
run(process.execPath, [join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js'), OUTPUT, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
rmSync(WORK, { recursive: true, force: true });

const size = statSync(OUTPUT).size;
process.stdout.write(`${OUTPUT}: ${(size / 1024 / 1024).toFixed(1)} MiB\n`);

/** Runs a build tool quietly (postject's LIEF prints harmless section warnings); its output is shown when it fails. */
function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
}
