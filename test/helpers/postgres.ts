import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';

/** The environment variable through which `scripts/run-tests.ts` shares one server with every test process. */
export const TEST_POSTGRES_URL_ENV = 'ROLEPORT_TEST_POSTGRES_URL';

/** The database `startPostgres` creates and names in its URL. */
export const TEST_DATABASE_NAME = 'roleport_test';

/** A running PostgreSQL server (or one database on a shared server) and how to let it go. */
export interface PostgresHandle {
  /** `postgres://postgres@127.0.0.1:PORT/DATABASE`; trust auth, so no password. */
  url: string;
  /** Stops the private server and removes its files, or drops the database on the shared server. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "install Debian's postgresql (apt-get install -y postgresql)";
const PG_LIB_DIR = '/usr/lib/postgresql';
const START_ATTEMPTS = 3;

interface PgBinaries {
  initdb: string;
  pgCtl: string;
}

interface SystemUser {
  uid: number;
  gid: number;
}

/** A server this process started and has not stopped yet; see `stopLeftoversAtExit`. */
interface LiveServer {
  pgCtl: string;
  dataDir: string;
  dir: string;
  runAs: SystemUser | undefined;
}

const liveServers = new Set<LiveServer>();
let exitHookInstalled = false;
let privateServer: Promise<PostgresHandle> | undefined;

/**
 * Starts a real PostgreSQL server in a fresh temporary directory, listening on 127.0.0.1
 * only, with trust auth, fsync off, and a database named `roleport_test`.
 *
 * PostgreSQL refuses to run as root, so under root the server runs as Debian's `postgres`
 * system user (through `runuser`) in a directory that user owns.
 *
 * @throws Error naming the package to install when the PostgreSQL binaries are missing.
 */
export async function startPostgres(): Promise<PostgresHandle> {
  const binaries = findPgBinaries();
  const runAs = postgresSystemUser();
  const dir = await mkdtemp(join(tmpdir(), 'roleport-pg-'));
  const server: LiveServer = { pgCtl: binaries.pgCtl, dataDir: join(dir, 'data'), dir, runAs };
  const socketDir = join(dir, 'socket');
  const logFile = join(dir, 'postgres.log');
  try {
    await mkdir(socketDir, { mode: 0o700 });
    if (runAs) {
      chownSync(dir, runAs.uid, runAs.gid);
      chownSync(socketDir, runAs.uid, runAs.gid);
    }
    await runPg(runAs, dir, binaries.initdb, [
      '--pgdata', server.dataDir,
      '--username', 'postgres',
      '--auth', 'trust',
      '--encoding', 'UTF8',
      '--locale', 'C',
      '--no-sync',
      '--no-instructions',
    ]);
    const port = await startServer(server, socketDir, logFile);
    trackLiveServer(server);
    const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const url = await createDatabase(serverUrl, TEST_DATABASE_NAME);
    return { url, stop: () => stopServer(server) };
  } catch (error) {
    await stopServer(server);
    throw error;
  }
}

/**
 * Creates an empty database on the server named by `url` and returns its URL, so each test
 * gets an isolated database without starting a server of its own.
 */
export async function createDatabase(url: string, name: string = uniqueDatabaseName()): Promise<string> {
  assertDatabaseName(name);
  await withAdminClient(url, (client) => client.query(`create database "${name}"`));
  return withDatabase(url, name);
}

/**
 * A login role (no superuser) made owner of the database named in `url` and of its `public`
 * schema, and `url` rewritten to connect as it — so that privileges apply, as they do to a
 * real deployment's account (the test server's `postgres` superuser bypasses them all).
 * `sql(statement)` runs a statement as the superuser on that database, e.g. to REVOKE.
 */
export async function asOwnerRole(url: string): Promise<{ url: string; role: string; sql(statement: string): Promise<void> }> {
  const role = `roleport_owner_${randomBytes(6).toString('hex')}`;
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  assertDatabaseName(name);
  await withAdminClient(url, async (client) => {
    await client.query(`create role "${role}" login`);
    await client.query(`alter database "${name}" owner to "${role}"`);
  });
  const sql = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await sql(`alter schema public owner to "${role}"`);
  const parsed = new URL(url);
  parsed.username = role;
  return { url: parsed.href, role, sql };
}

/** Drops the database named in `url`, disconnecting anyone still using it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  assertDatabaseName(name);
  await withAdminClient(url, (client) => client.query(`drop database if exists "${name}" with (force)`));
}

/**
 * A fresh database for one test file or suite: on the shared server when
 * `ROLEPORT_TEST_POSTGRES_URL` is set (by `scripts/run-tests.ts`), otherwise on a private
 * server started for this call. Register `stop` with node:test's `after`.
 */
export async function testPostgres(): Promise<PostgresHandle> {
  const shared = process.env[TEST_POSTGRES_URL_ENV];
  if (shared) {
    const url = await createDatabase(shared);
    return { url, stop: () => dropDatabase(url) };
  }
  return startPostgres();
}

/**
 * The URL of a fresh database: on the shared server when `ROLEPORT_TEST_POSTGRES_URL` is
 * set, otherwise on one private server started lazily for this process and stopped when
 * the process exits. Use `testPostgres` to also drop the database when done.
 */
export async function testPostgresUrl(): Promise<string> {
  const shared = process.env[TEST_POSTGRES_URL_ENV];
  if (shared) return createDatabase(shared);
  if (!privateServer) {
    privateServer = startPostgres();
    privateServer.catch(() => {
      privateServer = undefined;
    });
  }
  return createDatabase((await privateServer).url);
}

function findPgBinaries(): PgBinaries {
  const candidates: string[] = [];
  if (existsSync(PG_LIB_DIR)) {
    const versions = readdirSync(PG_LIB_DIR)
      .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) candidates.push(join(PG_LIB_DIR, version, 'bin'));
  }
  candidates.push('/usr/local/bin');
  for (const bin of candidates) {
    const initdb = join(bin, 'initdb');
    const pgCtl = join(bin, 'pg_ctl');
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl };
  }
  throw new Error(
    `PostgreSQL server binaries (initdb, pg_ctl) not found in ${PG_LIB_DIR}/<version>/bin or /usr/local/bin: ${INSTALL_HINT}`,
  );
}

/** Under root, the `postgres` user that Debian's package creates; otherwise no one (run as ourselves). */
function postgresSystemUser(): SystemUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (!entry) {
    throw new Error(`running as root, but there is no "postgres" system user to run PostgreSQL as: ${INSTALL_HINT}`);
  }
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

async function startServer(server: LiveServer, socketDir: string, logFile: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const serverOptions = [
      '-c listen_addresses=127.0.0.1',
      `-c port=${port}`,
      `-c unix_socket_directories='${socketDir}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
    ].join(' ');
    try {
      await runPg(server.runAs, server.dir, server.pgCtl, [
        'start', '--pgdata', server.dataDir, '--log', logFile, '--wait', '--timeout', '60', '--options', serverOptions,
      ]);
      return port;
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      // Another process may take the port between freePort() and the bind.
      if (attempt < START_ATTEMPTS && /could not bind|address already in use/i.test(log)) continue;
      throw new Error(`PostgreSQL did not start (${(error as Error).message})\n--- postgres.log ---\n${log.slice(-4000)}`, {
        cause: error,
      });
    }
  }
}

async function stopServer(server: LiveServer): Promise<void> {
  liveServers.delete(server);
  if (existsSync(join(server.dataDir, 'postmaster.pid'))) {
    await runPg(server.runAs, server.dir, server.pgCtl, ['stop', '--pgdata', server.dataDir, '--mode', 'immediate', '--wait'])
      .catch(() => {});
  }
  await rm(server.dir, { recursive: true, force: true });
}

function trackLiveServer(server: LiveServer): void {
  liveServers.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', stopLeftoversAtExit);
}

/** A safety net for servers whose owner never called `stop` (a crashed test, `testPostgresUrl`'s private server). */
function stopLeftoversAtExit(): void {
  for (const server of liveServers) {
    try {
      const [command, args] = pgCommand(server.runAs, server.pgCtl, [
        'stop', '--pgdata', server.dataDir, '--mode', 'immediate', '--wait',
      ]);
      execFileSync(command, args, { cwd: server.dir, stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Already stopped; the directory is removed either way.
    }
    rmSync(server.dir, { recursive: true, force: true });
  }
  liveServers.clear();
}

function pgCommand(runAs: SystemUser | undefined, binary: string, args: string[]): [string, string[]] {
  return runAs ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

/** Runs a PostgreSQL program (as the `postgres` user under root) and rejects with its output on failure. */
async function runPg(runAs: SystemUser | undefined, cwd: string, binary: string, args: string[]): Promise<void> {
  const [command, commandArgs] = pgCommand(runAs, binary, args);
  const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot run ${command}: ${error.message}${runAs ? ' (runuser is needed under root)' : ''}`, { cause: error })),
    );
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`${[command, ...commandArgs].join(' ')} exited with ${String(code)}:\n${output.trim()}`);
  }
}

async function withAdminClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.href;
}

function uniqueDatabaseName(): string {
  return `roleport_test_${randomBytes(6).toString('hex')}`;
}

function assertDatabaseName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new TypeError(`database name must match [a-z_][a-z0-9_]{0,62}, got ${JSON.stringify(name)}`);
  }
}
