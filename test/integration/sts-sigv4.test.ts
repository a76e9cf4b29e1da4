import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ManualClock } from '../../src/core/index.ts';
import { ACCOUNT, assumeParams, postQuery, startStsBroker, xmlText, type QueryResult, type StsBroker } from './sts-fixture.ts';

/**
 * Signed calls (`GetCallerIdentity`) as the AWS SDK's own signer produces them, and every
 * way one can be wrong: unknown key, wrong secret, missing or wrong session token, a date
 * outside AWS's 15 minutes, a body changed after signing, the wrong service, a mangled
 * header, an expired presigned URL, expired credentials.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html
 */
interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

interface SignOptions {
  date?: Date;
  service?: string;
  /** Whether the signer sends x-amz-content-sha256 (the JS SDK's does; botocore's does not for STS). Default true. */
  applyChecksum?: boolean;
  /** Changes the request after it was signed. */
  tamper?: (request: { headers: Record<string, string>; body: string }) => void;
}

const CALLER_IDENTITY = { Action: 'GetCallerIdentity', Version: '2011-06-15' };

/** Sends exactly the given headers (fetch would add or drop some, and it may not set Host). */
function send(url: URL, method: string, path: string, headers: Record<string, string>, body: string): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: text, requestId: (response.headers['x-amzn-requestid'] as string) ?? null, code: xmlText(text, 'Code'), message: xmlText(text, 'Message') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function signedPost(endpoint: string, credentials: Credentials, params: Record<string, string>, options: SignOptions = {}): Promise<QueryResult> {
  const url = new URL(endpoint);
  const body = new URLSearchParams(params).toString();
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: options.service ?? 'sts', sha256: Hash.bind(null, 'sha256'), applyChecksum: options.applyChecksum ?? true });
  const signed = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }),
    { signingDate: options.date ?? new Date() },
  );
  const sent = { headers: { ...(signed.headers as Record<string, string>) }, body };
  options.tamper?.(sent);
  return send(url, 'POST', '/', sent.headers, sent.body);
}

async function presignedGet(endpoint: string, credentials: Credentials, params: Record<string, string>, date: Date, expiresIn: number): Promise<QueryResult> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const presigned = await signer.presign(new HttpRequest({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: params, headers: { host: url.host } }), {
    signingDate: date,
    expiresIn,
  });
  const query = Object.entries(presigned.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value as string)}`)
    .join('&');
  return send(url, 'GET', `/?${query}`, { host: url.host }, '');
}

async function assume(sts: StsBroker, overrides: Record<string, string> = {}): Promise<Credentials> {
  const result = await postQuery(sts.stsUrl, assumeParams((await sts.mint('user:alice')), { RoleSessionName: 'signer', ...overrides }));
  assert.equal(result.status, 200, result.body);
  return { accessKeyId: xmlText(result.body, 'AccessKeyId')!, secretAccessKey: xmlText(result.body, 'SecretAccessKey')!, sessionToken: xmlText(result.body, 'SessionToken')! };
}

const ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/signer`;

describe('SigV4 on GetCallerIdentity', () => {
  let sts: StsBroker;
  let credentials: Credentials;

  before(async () => {
    sts = await startStsBroker();
    credentials = await assume(sts);
  });
  after(() => sts?.close());

  test('a request signed by the SDK\'s signer is answered with the caller\'s identity', async () => {
    const result = await signedPost(sts.stsUrl, credentials, CALLER_IDENTITY);
    assert.equal(result.status, 200, result.body);
    assert.equal(xmlText(result.body, 'Arn'), ARN);
    assert.equal(xmlText(result.body, 'Account'), ACCOUNT);
    assert.match(result.body, /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><GetCallerIdentityResult>/);
  });

  test('a request signed without x-amz-content-sha256 (as botocore does) is accepted', async () => {
    const result = await signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { applyChecksum: false });
    assert.equal(result.status, 200, result.body);
  });

  test('a presigned GET URL is accepted', async () => {
    const result = await presignedGet(sts.stsUrl, credentials, CALLER_IDENTITY, new Date(), 60);
    assert.equal(result.status, 200, result.body);
    assert.equal(xmlText(result.body, 'Arn'), ARN);
  });

  const refusals: Array<{ name: string; run: () => Promise<QueryResult>; status: number; code: string; message: RegExp }> = [
    {
      name: 'an access key the STS never issued',
      run: () => signedPost(sts.stsUrl, { ...credentials, accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' }, CALLER_IDENTITY),
      status: 403,
      code: 'InvalidClientTokenId',
      message: /^The security token included in the request is invalid\.$/,
    },
    {
      name: 'the wrong secret key',
      run: () => signedPost(sts.stsUrl, { ...credentials, secretAccessKey: 'x'.repeat(40) }, CALLER_IDENTITY),
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: /^The request signature we calculated does not match the signature you provided/,
    },
    {
      name: 'no session token',
      run: () => signedPost(sts.stsUrl, { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }, CALLER_IDENTITY),
      status: 403,
      code: 'InvalidClientTokenId',
      message: /^The security token included in the request is invalid\.$/,
    },
    {
      name: 'another session token',
      run: () => signedPost(sts.stsUrl, { ...credentials, sessionToken: `${credentials.sessionToken}x` }, CALLER_IDENTITY),
      status: 403,
      code: 'InvalidClientTokenId',
      message: /^The security token included in the request is invalid\.$/,
    },
    {
      name: 'a signature dated 20 minutes ago',
      run: () => signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { date: new Date(Date.now() - 20 * 60_000) }),
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    },
    {
      name: 'a signature dated 20 minutes ahead',
      run: () => signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { date: new Date(Date.now() + 20 * 60_000) }),
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: /^Signature not yet current: /,
    },
    {
      name: 'a body changed after signing (hash sent in x-amz-content-sha256)',
      run: () => signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { tamper: (request) => void (request.body += '&Extra=1') }),
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: /^The provided 'x-amz-content-sha256' header does not match what was computed\.$/,
    },
    {
      name: 'a body changed after signing (no hash header, as botocore signs)',
      run: () => signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { applyChecksum: false, tamper: (request) => void (request.body += '&Extra=1') }),
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: /^The request signature we calculated does not match/,
    },
    {
      name: 'a signature scoped to another service',
      run: () => signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { service: 's3' }),
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: /^Credential should be scoped to correct service: 'sts'/,
    },
    {
      name: 'an Authorization header without Signature',
      run: () =>
        signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, {
          tamper: (request) => void (request.headers['authorization'] = request.headers['authorization']!.replace(/, Signature=[0-9a-f]+/, '')),
        }),
      status: 403,
      code: 'IncompleteSignature',
      message: /^Authorization header requires 'Signature' parameter/,
    },
    {
      name: 'a presigned URL past its X-Amz-Expires',
      run: () => presignedGet(sts.stsUrl, credentials, CALLER_IDENTITY, new Date(Date.now() - 120_000), 60),
      status: 400,
      code: 'RequestExpired',
      message: /^Request has expired\.$/,
    },
  ];

  for (const { name, run, status, code, message } of refusals) {
    test(`${name} → ${status} ${code}`, async () => {
      const result = await run();
      assert.equal(result.status, status, result.body);
      assert.equal(result.code, code);
      assert.match(result.message ?? '', message);
    });
  }
});

describe('expired credentials', () => {
  const clock = new ManualClock(Date.now());
  let sts: StsBroker;
  before(async () => {
    sts = await startStsBroker({ clock });
  });
  after(() => sts?.close());

  test('credentials past their Expiration → 403 ExpiredToken, even with a valid signature', async () => {
    const credentials = await assume(sts, { DurationSeconds: '900' });
    assert.equal((await signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { date: new Date(clock.now()) })).status, 200);
    clock.advance(901_000);
    const result = await signedPost(sts.stsUrl, credentials, CALLER_IDENTITY, { date: new Date(clock.now()) });
    assert.equal(result.status, 403, result.body);
    assert.equal(result.code, 'ExpiredToken');
    assert.equal(result.message, 'The security token included in the request is expired');
  });
});
