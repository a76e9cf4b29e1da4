import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ManualClock, sha256Hex } from '../core/index.ts';
import type { AccessKeyRecord, StsCaller } from './credentials.ts';
import { StsError } from '../iam/index.ts';
import { newLongTermAccessKeyId, newLongTermSecretAccessKey } from './ids.ts';
import { authenticateRequest, parseRawQuery, signingKeyHash, type SignedHttpRequest } from './sigv4.ts';

const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
const credentials = { accessKeyId: 'ASIAAAAAAAAAAAAAAAAB', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'token+with/odd=chars' };
const caller = { kind: 'assumed-role', arn: 'arn:aws:sts::1:assumed-role/R/s', accessKeyId: credentials.accessKeyId } as unknown as StsCaller;
const record: AccessKeyRecord = { signingSecret: { kind: 'secret', secretAccessKey: credentials.secretAccessKey }, sessionTokenHash: sha256Hex(credentials.sessionToken), expiresAt: clock.now() + 3600_000, caller };
const directory = { find: async (id: string) => (id === credentials.accessKeyId ? record : undefined) };

/** Signs like the SDK and returns the request as a server would receive it. */
async function signed(method: 'GET' | 'POST', query: Record<string, string>, body: string): Promise<SignedHttpRequest> {
  const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const request = await signer.sign(
    new HttpRequest({ method, hostname: 'sts.local', path: '/', query, headers: { host: 'sts.local:4566', ...(body === '' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) }, body: body === '' ? undefined : body }),
    { signingDate: new Date(clock.now()) },
  );
  const rawQuery = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, path: '/', rawQuery, headers, body };
}

test('raw query strings decode without turning + into a space (SigV4 canonical form)', () => {
  assert.deepEqual(parseRawQuery('a=1&b=x%2By&b=2&c&d=a+b'), { a: '1', b: ['x+y', '2'], c: '', d: 'a+b' });
});

test('a signed GET with its parameters in the query, any region, authenticates', async () => {
  const request = await signed('GET', { Action: 'GetCallerIdentity', Version: '2011-06-15', Odd: 'a b+c/d' }, '');
  assert.equal(await authenticateRequest(request, { directory, clock }), caller);
});

test('a signed POST authenticates; changing a parameter or the body breaks it', async () => {
  const request = await signed('POST', {}, 'Action=GetCallerIdentity&Version=2011-06-15');
  assert.equal(await authenticateRequest(request, { directory, clock }), caller);
  const refuse = async (changed: SignedHttpRequest): Promise<string> => {
    try {
      await authenticateRequest(changed, { directory, clock });
    } catch (error) {
      assert.ok(error instanceof StsError);
      return error.awsCode;
    }
    return 'accepted';
  };
  assert.equal(await refuse({ ...request, body: `${request.body}&X=1` }), 'SignatureDoesNotMatch');
  assert.equal(await refuse({ ...request, rawQuery: 'X=1' }), 'SignatureDoesNotMatch');
  assert.equal(await refuse({ ...request, headers: { ...request.headers, host: 'elsewhere:4566' } }), 'SignatureDoesNotMatch');
  assert.equal(await refuse({ ...request, headers: { ...request.headers, authorization: undefined } }), 'MissingAuthenticationToken');
  assert.equal(await refuse({ ...request, headers: { ...request.headers, authorization: 'AWS AKIA:sig' } }), 'IncompleteSignature');
});

test('a long-term key stored only as SHA-256("AWS4" + secret) verifies signatures made with the secret, header and presigned', async () => {
  const longTerm = { accessKeyId: newLongTermAccessKeyId(), secretAccessKey: newLongTermSecretAccessKey() };
  assert.match(longTerm.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(longTerm.secretAccessKey.length, 64);
  const userCaller = { kind: 'user', arn: 'arn:aws:iam::111111111111:user/alice', accessKeyId: longTerm.accessKeyId } as unknown as StsCaller;
  const hashed: AccessKeyRecord = { signingSecret: { kind: 'key-hash', keyHash: signingKeyHash(longTerm.secretAccessKey) }, sessionTokenHash: undefined, expiresAt: undefined, caller: userCaller };
  const keys = { find: async (id: string) => (id === longTerm.accessKeyId ? hashed : undefined) };
  const signer = new SignatureV4({ credentials: longTerm, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const request = await signer.sign(new HttpRequest({ method: 'POST', hostname: 'sts.local', path: '/', headers: { host: 'sts.local', 'content-type': 'application/x-www-form-urlencoded' }, body }), {
    signingDate: new Date(clock.now()),
  });
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  assert.equal(await authenticateRequest({ method: 'POST', path: '/', rawQuery: '', headers, body }, { directory: keys, clock }), userCaller);

  const presigned = await signer.presign(new HttpRequest({ method: 'GET', hostname: 'sts.local', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: 'sts.local' } }), {
    signingDate: new Date(clock.now()),
    expiresIn: 300,
  });
  const rawQuery = Object.entries(presigned.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  assert.equal(await authenticateRequest({ method: 'GET', path: '/', rawQuery, headers: { host: 'sts.local' }, body: '' }, { directory: keys, clock }), userCaller);

  // Signed with another secret, or with the hash itself as if it were the secret: refused.
  for (const secretAccessKey of [newLongTermSecretAccessKey(), Buffer.from((hashed.signingSecret as { keyHash: Uint8Array }).keyHash).toString('hex')]) {
    const forged = await new SignatureV4({ credentials: { accessKeyId: longTerm.accessKeyId, secretAccessKey }, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') }).sign(
      new HttpRequest({ method: 'POST', hostname: 'sts.local', path: '/', headers: { host: 'sts.local', 'content-type': 'application/x-www-form-urlencoded' }, body }),
      { signingDate: new Date(clock.now()) },
    );
    const forgedHeaders = Object.fromEntries(Object.entries(forged.headers).map(([k, v]) => [k.toLowerCase(), v]));
    await assert.rejects(authenticateRequest({ method: 'POST', path: '/', rawQuery: '', headers: forgedHeaders, body }, { directory: keys, clock }), (error: unknown) => error instanceof StsError && error.awsCode === 'SignatureDoesNotMatch');
  }
  assert.throws(() => signingKeyHash('x'.repeat(40)), /at least 61 bytes/);
});
