import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli, type CliResult } from '../helpers/run-cli.ts';

/**
 * `roleport aws oidc-provider` against real TLS servers whose certificates come from a
 * throw-away CA made with openssl: root → intermediate → leaf. Without trusting the root the
 * chain is private and the thumbprint is the one AWS computes (SHA-1 of the last certificate
 * the jwks_uri host sends); with the root in NODE_EXTRA_CA_CERTS it plays a public CA and no
 * thumbprint is needed.
 */

let dir: string;
const servers: Server[] = [];
let issuer: string;
let jwksHost: string;
let rootPem: string;
let issuerIntermediateSha1: string;
let jwksIntermediateSha1: string;

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function sha1Of(certFile: string): string {
  // "sha1 Fingerprint=AB:CD:…" → the 40 lowercase hex digits IAM takes.
  return openssl(['x509', '-in', certFile, '-noout', '-fingerprint', '-sha1']).trim().split('=')[1]!.replace(/:/g, '').toLowerCase();
}

/** A CA-signed certificate: `name.key`, `name.pem`. */
function issue(name: string, subject: string, signer: string, extensions: string): void {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
}

async function serve(leaf: string, intermediate: string, handler: (path: string, port: number) => unknown): Promise<number> {
  const cert = readFileSync(join(dir, `${leaf}.pem`), 'utf8') + readFileSync(join(dir, `${intermediate}.pem`), 'utf8');
  const server = createServer({ key: readFileSync(join(dir, `${leaf}.key`)), cert }, (req, res) => {
    const port = (server.address() as AddressInfo).port;
    const body = handler(req.url ?? '/', port);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-oidc-tls-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/CN=Roleport Test Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const ca = 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n';
  const server = 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  issue('issuer-ca', '/CN=Issuer Intermediate', 'root', ca);
  issue('jwks-ca', '/CN=JWKS Intermediate', 'root', ca);
  issue('issuer-leaf', '/CN=localhost', 'issuer-ca', server);
  issue('jwks-leaf', '/CN=localhost', 'jwks-ca', server);
  rootPem = join(dir, 'root.pem');
  issuerIntermediateSha1 = sha1Of('issuer-ca.pem');
  jwksIntermediateSha1 = sha1Of('jwks-ca.pem');

  // The keys live on another host:port than the issuer, as with a CDN: AWS pins that host's chain.
  const jwksPort = await serve('jwks-leaf', 'jwks-ca', (path) => (path === '/keys' ? { keys: [] } : undefined));
  jwksHost = `localhost:${jwksPort}`;
  const issuerPort = await serve('issuer-leaf', 'issuer-ca', (path, port) =>
    path === '/.well-known/openid-configuration' ? { issuer: `https://localhost:${port}`, jwks_uri: `https://${jwksHost}/keys` } : undefined,
  );
  issuer = `https://localhost:${issuerPort}`;
});

after(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

const roleport = (args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(['aws', 'oidc-provider', ...args], { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: 'https://unused.test', ...env }, { cwd: dir });

test('a private CA: the thumbprint is the SHA-1 of the top intermediate served by the jwks_uri host', async () => {
  const run = await roleport(['--issuer', issuer, '--audience', 'sts.amazonaws.com', '--account', '111122223333', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.url, issuer);
  assert.deepEqual(result.client_ids, ['sts.amazonaws.com']);
  assert.deepEqual(result.thumbprints, [jwksIntermediateSha1]);
  assert.notEqual(jwksIntermediateSha1, issuerIntermediateSha1);
  assert.equal(result.thumbprint_required, true);
  assert.equal(result.tls.status, 'private');
  assert.equal(`${result.tls.host}:${result.tls.port}`, jwksHost);
  assert.match(result.tls.thumbprint_of.subject, /JWKS Intermediate/);
  assert.equal(result.provider_arn, `arn:aws:iam::111122223333:oidc-provider/${issuer.slice('https://'.length)}`);
  assert.ok(result.notes.some((n: string) => n.includes(`jwks_uri is served by ${jwksHost}`)));

  const cli = JSON.parse((await roleport(['--issuer', issuer, '--format', 'json'])).stdout);
  assert.deepEqual(cli, { Url: issuer, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [jwksIntermediateSha1] });
  const cfn = parseYaml((await roleport(['--issuer', issuer, '--format', 'cloudformation'])).stdout) as { Resources: { RoleportOidcProvider: { Properties: Record<string, unknown> } } };
  assert.deepEqual(cfn.Resources.RoleportOidcProvider.Properties['ThumbprintList'], [jwksIntermediateSha1]);
  const tf = await roleport(['--issuer', issuer, '--format', 'terraform']);
  assert.match(tf.stdout, new RegExp(`thumbprint_list = \\["${jwksIntermediateSha1}"\\]`));
  const text = await roleport(['--issuer', issuer]);
  assert.match(text.stdout, new RegExp(`thumbprint:  ${jwksIntermediateSha1}`));
  assert.match(text.stdout, /aws iam create-open-id-connect-provider --url https:\/\/localhost:\d+ --client-id-list sts\.amazonaws\.com --thumbprint-list [0-9a-f]{40}/);
});

test('a chain to a trusted (public) root needs no thumbprint', async () => {
  const run = await roleport(['--issuer', issuer, '--audience', 'a,b', '--json'], { NODE_EXTRA_CA_CERTS: rootPem });
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.tls.status, 'public');
  assert.deepEqual(result.thumbprints, []);
  assert.deepEqual(result.client_ids, ['a', 'b']);
  assert.ok(result.notes.some((n: string) => /public CA: AWS needs no thumbprint/.test(n)));
  const cfn = parseYaml((await roleport(['--issuer', issuer, '--format', 'cloudformation'], { NODE_EXTRA_CA_CERTS: rootPem })).stdout) as {
    Resources: { RoleportOidcProvider: { Properties: Record<string, unknown> } };
  };
  assert.equal('ThumbprintList' in cfn.Resources.RoleportOidcProvider.Properties, false);
});

test('an http issuer: AWS requires https, said without a network probe', async () => {
  const run = await roleport(['--issuer', 'http://127.0.0.1:8080', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.tls.status, 'not-https');
  assert.deepEqual(result.thumbprints, []);
  assert.ok(result.notes.some((n: string) => /AWS requires an https:\/\/ issuer/.test(n)));
  // The configured issuer is the default.
  const configured = JSON.parse((await roleport(['--json'], { ROLEPORT_ISSUER: 'http://127.0.0.1:9999' })).stdout);
  assert.equal(configured.url, 'http://127.0.0.1:9999');
});

test('--offline skips the probe; an unreachable issuer fails with exit 1; bad values exit 2', async () => {
  const offline = JSON.parse((await roleport(['--issuer', 'https://unreachable.invalid', '--offline', '--json'])).stdout);
  assert.equal(offline.tls.status, 'not-inspected');
  const closed = await roleport(['--issuer', 'https://127.0.0.1:1', '--json']);
  assert.equal(closed.code, 1);
  assert.match(closed.stderr, /cannot reach 127\.0\.0\.1:1 over TLS/);
  assert.equal(closed.stdout, '');
  for (const [args, message] of [
    [['--issuer', 'https://x.test', '--account', '12'], /--account "12": must be 12 digits/],
    [['--issuer', 'https://x.test', '--format', 'yaml'], /--format yaml/],
    [['--issuer', 'https://x.test', '--audience', 'x'.repeat(256), '--offline'], /a client ID is 1-255 characters/],
  ] as [string[], RegExp][]) {
    const run = await roleport(args);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  }
});
