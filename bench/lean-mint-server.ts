import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { parse as parseForm } from 'fast-querystring';
import { answerCpuQueries, benchInput, freePort } from './processes.ts';

/**
 * The third reference of the token-endpoint benchmark, in a process of its own: the leanest
 * token endpoint Node can serve — `node:http`, the form parsed, a payload of Roleport's size
 * with a fresh `jti`, `crypto.sign` with the key object, the same JSON answer and as many
 * headers — and nothing else: no credential check, no session, no audit row. What it gets
 * against raw signing is the most any `node:http` token endpoint can get on this machine; it
 * is not a target, it shows where the rest of Roleport's time goes (BENCHMARKS.md).
 * Says `{ type: 'listening', url }`; answers `'cpu'`, closes on `'close'`.
 */
export interface LeanMintInput {
  alg: 'RS256' | 'ES256';
  /** The length of Roleport's token payload JSON, matched with padding. */
  payloadBytes: number;
}

const input = benchInput<LeanMintInput>();
const { privateKey } = input.alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
const header = Buffer.from(JSON.stringify({ alg: input.alg, kid: 'lean', typ: 'JWT' })).toString('base64url');
const padding = 'p'.repeat(Math.max(0, input.payloadBytes - JSON.stringify({ pad: '', jti: randomUUID(), iat: 0, exp: 0 }).length - 20));

const port = await freePort();
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    parseForm(Buffer.concat(chunks).toString());
    const now = Math.floor(Date.now() / 1000);
    const signingInput = `${header}.${Buffer.from(JSON.stringify({ pad: padding, jti: randomUUID(), iat: now, exp: now + 3600 })).toString('base64url')}`;
    // DER for P-256 as raw signing gives it: the reference is not charged the JWS conversion.
    const token = `${signingInput}.${sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url')}`;
    const json = JSON.stringify({ access_token: token, issued_token_type: 'urn:ietf:params:oauth:token-type:id_token', token_type: 'N_A', expires_in: 3600 });
    response.writeHead(200, [
      'x-content-type-options', 'nosniff',
      'x-ratelimit-limit', '10000000', 'x-ratelimit-remaining', '9999999', 'x-ratelimit-reset', '60',
      'cache-control', 'no-store', 'pragma', 'no-cache',
      'content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(json)),
    ]);
    response.end(json);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => process.send!({ type: 'listening', url: `http://127.0.0.1:${port}` }));
answerCpuQueries(() => server.close(() => process.exit(0)));
