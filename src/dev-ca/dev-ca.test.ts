import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevCa, issueDevCertificates } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'roleport-dev-ca-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A TLS handshake to a listener serving `cert`/`key`, trusting only `ca`, for the host name given. */
async function handshake(ca: string, cert: string, key: string, host: string): Promise<string> {
  const server = createServer({ cert, key }, (_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', servername: host === '127.0.0.1' ? undefined : host, port, ca, path: '/', headers: { host } }, (response) => {
        response.setEncoding('utf8');
        let body = '';
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

test('the dev CA signs a certificate Node and OpenSSL verify for 127.0.0.1 and localhost', async () => {
  const ca = ensureDevCa(join(dir, 'a'));
  assert.equal(ca.created, true);
  assert.equal(statSync(ca.keyFile).mode & 0o777, 0o600);
  const caPem = readFileSync(ca.caFile, 'utf8');
  const cert = new X509Certificate(readFileSync(ca.certFile));
  assert.ok(cert.verify(new X509Certificate(caPem).publicKey));
  assert.ok(new X509Certificate(caPem).ca);
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkHost('localhost'), 'localhost');
  // OpenSSL, independently: the chain verifies for TLS servers.
  assert.match(execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', ca.caFile, ca.certFile], { encoding: 'utf8' }), /OK/);
  assert.equal(await handshake(caPem, readFileSync(ca.certFile, 'utf8'), readFileSync(ca.keyFile, 'utf8'), '127.0.0.1'), 'ok');
});

test('a second start reuses the CA (clients keep trusting it); a broken one is made anew', () => {
  const first = ensureDevCa(join(dir, 'b'));
  const pem = readFileSync(first.caFile, 'utf8');
  assert.equal(ensureDevCa(join(dir, 'b')).created, false);
  assert.equal(readFileSync(first.caFile, 'utf8'), pem);
  writeFileSync(first.certFile, 'not a certificate');
  assert.equal(ensureDevCa(join(dir, 'b')).created, true);
  // Renewed a month before it expires.
  assert.equal(ensureDevCa(join(dir, 'b'), new Date(Date.now() + 340 * 86400_000)).created, true);
});

test("the CA's name constraints refuse a certificate it signed for any other name", () => {
  // What a stolen CA key could do: sign for login.microsoftonline.com under a CA constrained,
  // like the dev CA, to localhost and 127.0.0.1. OpenSSL (as Node's TLS) refuses the chain.
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const constraint = { dns: ['localhost'], ips: ['127.0.0.1'] };
  const outside = issueDevCertificates({ dns: ['login.microsoftonline.com'], ips: [] }, { now: new Date(), days: 1, caName: 'test', constrainTo: constraint });
  assert.throws(
    () => execFileSync('openssl', ['verify', '-CAfile', file('c1.pem', outside.caPem), file('s1.pem', outside.certPem)], { encoding: 'utf8', stdio: 'pipe' }),
    (error: Error & { stdout?: string; stderr?: string }) => /permitted subtree violation/.test(`${error.stdout ?? ''}${error.stderr ?? ''}`),
  );
  const inside = issueDevCertificates({ dns: ['localhost'], ips: ['127.0.0.1'] }, { now: new Date(), days: 1, caName: 'test', constrainTo: constraint });
  assert.match(execFileSync('openssl', ['verify', '-CAfile', file('c2.pem', inside.caPem), file('s2.pem', inside.certPem)], { encoding: 'utf8' }), /OK/);
});
