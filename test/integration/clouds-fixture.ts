/**
 * Shared set-up for the cloud counterparts' integration tests (clouds-*.test.ts): a real
 * broker whose local Google STS and local Entra endpoint (TLS, certificate from a dev CA made
 * here with Debian's openssl) listen on their own loopback ports, tokens from the broker's
 * own minting core, and the hostile tokens an attacker would try.
 */
import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair, type JWTPayload } from 'jose';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';

export interface DevCa {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * A CA and a server certificate signed by it, for 127.0.0.1 and localhost — and for
 * login.microsoftonline.com, so that MSAL's instance discovery, tunnelled by a loopback proxy
 * to the local Entra listener, verifies (the CA is trusted only by the test's child process).
 */
export function makeDevCa(dir: string): DevCa {
  const file = (name: string): string => join(dir, name);
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=Roleport test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr')]);
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:login.microsoftonline.com\\nextendedKeyUsage=serverAuth\\n' > ${JSON.stringify(file('ext.cnf'))}`]);
  run(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('ext.cnf'), '-out', file('server.pem')]);
  return { dir, caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

export interface CloudBroker {
  broker: TestBroker;
  issuer: string;
  gcpUrl: string;
  azureUrl: string;
  ca: DevCa;
  /** A token from the broker's minting core. */
  mint(subject: string, audience: string, claims?: Record<string, unknown>, ttlSeconds?: number): Promise<{ token: string; jti: string }>;
  /** Any claims and header, signed with the broker's current key. */
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** Signed with a key the broker never published, under the broker's kid. */
  signWithForeignKey(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export async function startCloudBroker(): Promise<CloudBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'roleport-clouds-'));
  const ca = makeDevCa(dir);
  const broker = await startTestBroker({
    config: {
      gcp: { enabled: true, listen: '127.0.0.1:0' },
      azure: { enabled: true, listen: '127.0.0.1:0', tls: { certFile: ca.certFile, keyFile: ca.keyFile } },
    },
  });
  const services = broker.app.services;
  const urls = broker.app.cloudUrls();
  const foreign = await generateKeyPair('RS256');
  return {
    broker,
    issuer: broker.issuer,
    gcpUrl: urls.gcp!,
    azureUrl: urls.azure!,
    ca,
    mint: (subject, audience, claims = {}, ttlSeconds) => services.mintToken({ subject, audience, claims, ttlSeconds, actor: 'test' }),
    async sign(claims, header = {}) {
      const key = services.keys.signingKey();
      return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
    },
    async signWithForeignKey(claims) {
      const key = services.keys.signingKey();
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(foreign.privateKey);
    },
    async close() {
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A token whose header says `alg: none` and that carries no signature. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form over TLS trusting only `caFile`, as a client given the dev CA would. */
export async function postForm(url: string, form: Record<string, string>, caFile: string): Promise<JsonAnswer> {
  const ca = await readFile(caFile);
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { method: 'POST', ca, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Words of a shell command line as `sh` would split them (single quotes, backslash-newline), for parsing generator output. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index] as string;
    if (char === "'") {
      const end = line.indexOf("'", index + 1);
      word += line.slice(index + 1, end);
      index = end;
      inWord = true;
    } else if (char === '\\' && line[index + 1] === '\n') {
      index++;
    } else if (char === '\\') {
      word += line[index + 1] ?? '';
      index++;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The commands of a generated script (comments dropped, continuations joined), each as words. */
export function scriptCommands(script: string): string[][] {
  return script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
    .map(shellWords);
}

/** `--flag=value` and `--flag value` of one command's words. */
export function flagsOf(words: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (!word.startsWith('--')) continue;
    const eq = word.indexOf('=');
    const [name, value] = eq > 0 ? [word.slice(2, eq), word.slice(eq + 1)] : [word.slice(2), words[index + 1] ?? ''];
    if (eq < 0) index++;
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}
