import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRoleportError } from '../core/index.ts';
import { fullJitterDelay } from '../core/index.ts';
import { regionalStsEndpoint } from '../iam/index.ts';
import { assumeRoleWithWebIdentity, classifyStsError, StsExchangeError } from './sts-exchange.ts';

/**
 * A real HTTP server speaking STS's Query protocol, answering from a script. The local STS
 * (src/sts) checks tokens and trust policies; this one lets each test choose the failure.
 */
interface ScriptedReply {
  status: number;
  body: string;
  /** Hold the response back (to exercise timeouts). */
  hang?: boolean;
}

interface StsScriptServer {
  url: string;
  requests: URLSearchParams[];
  script: ScriptedReply[];
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = 'arn:aws:iam::111111111111:role/DataScientist';

function errorReply(status: number, code: string, message: string): ScriptedReply {
  return {
    status,
    body: `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
  };
}

function successReply(session: string, expiration: string): ScriptedReply {
  return {
    status: 200,
    body: `<AssumeRoleWithWebIdentityResponse xmlns="${NS}"><AssumeRoleWithWebIdentityResult>
<SubjectFromWebIdentityToken>user:alice</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>
<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/DataScientist/${session}</Arn><AssumedRoleId>AROAEXAMPLE:${session}</AssumedRoleId></AssumedRoleUser>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>session-token</SessionToken><Expiration>${expiration}</Expiration></Credentials>
<Provider>arn:aws:iam::111111111111:oidc-provider/roleport.example</Provider>
</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
  };
}

async function startStsScriptServer(): Promise<StsScriptServer> {
  const requests: URLSearchParams[] = [];
  const script: ScriptedReply[] = [];
  const hanging: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      requests.push(new URLSearchParams(body));
      const reply = script.shift() ?? errorReply(500, 'InternalFailure', 'script exhausted');
      if (reply.hang === true) {
        hanging.push(() => response.destroy());
        return;
      }
      response.writeHead(reply.status, { 'content-type': 'text/xml' });
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script,
    async close() {
      for (const release of hanging) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function tokenCounter(): { getToken: () => Promise<string>; issued: string[] } {
  const issued: string[] = [];
  return {
    issued,
    getToken: async () => {
      const token = `token-${issued.length + 1}`;
      issued.push(token);
      return token;
    },
  };
}

describe('assumeRoleWithWebIdentity against a scripted STS', () => {
  let sts: StsScriptServer;
  before(async () => {
    sts = await startStsScriptServer();
  });
  after(() => sts.close());

  const sleeps: number[] = [];
  const retry = { random: () => 0.5, sleep: async (ms: number) => void sleeps.push(ms) };

  test('a success returns the credentials, the assumed role and the account', async () => {
    sts.requests.length = 0;
    sts.script.push(successReply('alice.ses-1', '2026-01-01T01:00:00Z'));
    const tokens = tokenCounter();
    const result = await assumeRoleWithWebIdentity({
      region: 'eu-west-1',
      endpoint: sts.url,
      roleArn: ROLE_ARN,
      roleSessionName: 'alice.ses-1',
      durationSeconds: 1800,
      getToken: tokens.getToken,
    });
    assert.deepEqual(result.credentials, {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session-token',
      expiration: Date.parse('2026-01-01T01:00:00Z'),
    });
    assert.equal(result.assumedRoleArn, 'arn:aws:sts::111111111111:assumed-role/DataScientist/alice.ses-1');
    assert.equal(result.accountId, '111111111111');
    assert.equal(result.subjectFromWebIdentityToken, 'user:alice');
    assert.equal(result.region, 'eu-west-1');
    assert.equal(result.attempts, 1);
    const sent = sts.requests[0]!;
    assert.equal(sent.get('Action'), 'AssumeRoleWithWebIdentity');
    assert.equal(sent.get('RoleArn'), ROLE_ARN);
    assert.equal(sent.get('RoleSessionName'), 'alice.ses-1');
    assert.equal(sent.get('WebIdentityToken'), 'token-1');
    assert.equal(sent.get('DurationSeconds'), '1800');
  });

  test('retryable failures are retried with a fresh token each time, after jittered backoff', async () => {
    sts.requests.length = 0;
    sleeps.length = 0;
    sts.script.push(
      errorReply(400, 'Throttling', 'Rate exceeded'),
      errorReply(400, 'IDPCommunicationError', 'The IdP did not answer'),
      { status: 503, body: '<html>Service Unavailable</html>' },
      successReply('alice', '2026-01-01T01:00:00Z'),
    );
    const tokens = tokenCounter();
    const result = await assumeRoleWithWebIdentity({
      region: 'us-east-1',
      endpoint: sts.url,
      roleArn: ROLE_ARN,
      roleSessionName: 'alice',
      getToken: tokens.getToken,
      retry: { ...retry, baseDelayMs: 200, maxDelayMs: 500 },
    });
    assert.equal(result.attempts, 4);
    assert.deepEqual(
      sts.requests.map((r) => r.get('WebIdentityToken')),
      ['token-1', 'token-2', 'token-3', 'token-4'],
    );
    // random() = 0.5 of min(cap, base·2^(n−1)): 100, 200, then capped at 500 → 250.
    assert.deepEqual(sleeps, [100, 200, 250]);
  });

  const finalCases: Array<[number, string, string]> = [
    [400, 'InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider"],
    [400, 'ExpiredTokenException', 'Token expired: current date/time 2026 must be before the expiration date/time 2025'],
    [403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
    [400, 'ValidationError', "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint"],
    [403, 'IDPRejectedClaim', 'The claim was rejected'],
    [400, 'PackedPolicyTooLarge', 'Session tags are too large'],
  ];
  for (const [status, code, message] of finalCases) {
    test(`${code} is final: one attempt, ERR_STS_REJECTED`, async () => {
      sts.requests.length = 0;
      sts.script.push(errorReply(status, code, message));
      const tokens = tokenCounter();
      await assert.rejects(
        assumeRoleWithWebIdentity({ region: 'us-east-1', endpoint: sts.url, roleArn: ROLE_ARN, roleSessionName: 'alice', getToken: tokens.getToken, retry }),
        (error: unknown) => {
          assert.ok(error instanceof StsExchangeError);
          assert.equal(error.code, 'ERR_STS_REJECTED');
          assert.equal(error.stsCode, code);
          assert.equal(error.retryable, false);
          assert.equal(error.httpStatus, status);
          assert.equal(error.attempts, 1);
          assert.match(error.message, new RegExp(message.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
          return true;
        },
      );
      assert.equal(tokens.issued.length, 1);
      assert.equal(sts.requests.length, 1);
    });
  }

  test('retries stop at maxAttempts with ERR_STS_UNAVAILABLE', async () => {
    sts.requests.length = 0;
    sts.script.push(errorReply(400, 'Throttling', 'Rate exceeded'), errorReply(400, 'RequestLimitExceeded', 'slow down'), errorReply(500, 'InternalFailure', 'oops'));
    await assert.rejects(
      assumeRoleWithWebIdentity({ region: 'us-east-1', endpoint: sts.url, roleArn: ROLE_ARN, roleSessionName: 'alice', getToken: tokenCounter().getToken, retry: { ...retry, maxAttempts: 3 } }),
      (error: unknown) => error instanceof StsExchangeError && error.code === 'ERR_STS_UNAVAILABLE' && error.stsCode === 'InternalFailure' && error.attempts === 3,
    );
    assert.equal(sts.requests.length, 3);
  });

  test("a token source's error ends the exchange unchanged, before STS is called", async () => {
    sts.requests.length = 0;
    const refused = new Error('invalid_grant');
    await assert.rejects(
      assumeRoleWithWebIdentity({ region: 'us-east-1', endpoint: sts.url, roleArn: ROLE_ARN, roleSessionName: 'alice', getToken: () => Promise.reject(refused), retry }),
      (error: unknown) => error === refused,
    );
    assert.equal(sts.requests.length, 0);
  });

  test('a response that never comes is a retryable Timeout', async () => {
    sts.script.push({ status: 200, body: '', hang: true });
    await assert.rejects(
      assumeRoleWithWebIdentity({
        region: 'us-east-1',
        endpoint: sts.url,
        roleArn: ROLE_ARN,
        roleSessionName: 'alice',
        getToken: tokenCounter().getToken,
        requestTimeoutMs: 300,
        retry: { ...retry, maxAttempts: 1 },
      }),
      (error: unknown) => error instanceof StsExchangeError && error.stsCode === 'Timeout' && error.retryable && isRoleportError(error),
    );
  });
});

describe('failover regions', () => {
  test('a retryable failure moves to the next region; the answer says which served', async () => {
    const primary = await startStsScriptServer();
    const secondary = await startStsScriptServer();
    try {
      primary.script.push(errorReply(503, 'ServiceUnavailable', 'down'));
      secondary.script.push(successReply('alice', '2026-01-01T01:00:00Z'));
      const endpoints: Record<string, string> = { 'us-east-1': primary.url, 'us-west-2': secondary.url };
      const result = await assumeRoleWithWebIdentity({
        region: 'us-east-1',
        failoverRegions: ['us-west-2'],
        endpoint: (region) => endpoints[region]!,
        roleArn: ROLE_ARN,
        roleSessionName: 'alice',
        getToken: tokenCounter().getToken,
        retry: { random: () => 0, sleep: async () => {} },
      });
      assert.equal(result.region, 'us-west-2');
      assert.equal(result.attempts, 2);
      assert.equal(primary.requests.length, 1);
      assert.equal(secondary.requests.length, 1);
    } finally {
      await primary.close();
      await secondary.close();
    }
  });

  test('a refused connection is a retryable NetworkError', async () => {
    const gone = await startStsScriptServer();
    const url = gone.url;
    await gone.close();
    await assert.rejects(
      assumeRoleWithWebIdentity({ region: 'us-east-1', endpoint: url, roleArn: ROLE_ARN, roleSessionName: 'alice', getToken: tokenCounter().getToken, retry: { maxAttempts: 2, sleep: async () => {} } }),
      (error: unknown) => error instanceof StsExchangeError && error.stsCode === 'NetworkError' && error.retryable && error.attempts === 2,
    );
  });
});

describe('classifyStsError and helpers', () => {
  test('table of SDK-shaped errors', () => {
    const cases: Array<[object, string, boolean]> = [
      [{ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'ThrottlingException', true],
      [{ name: 'Whatever', $fault: 'server', $metadata: { httpStatusCode: 502 } }, 'Whatever', true],
      [{ name: 'Error', $fault: 'client', $metadata: { httpStatusCode: 429 } }, 'HTTP429', true],
      [{ name: 'RegionDisabledException', $fault: 'client', $metadata: { httpStatusCode: 403 } }, 'RegionDisabledException', true],
      [{ name: 'InvalidIdentityTokenException', Code: 'InvalidIdentityToken', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'InvalidIdentityToken', false],
      [{ name: 'Error', $fault: 'client', $metadata: { httpStatusCode: 404 } }, 'HTTP404', false],
      [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'NetworkError', true],
      [Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'Timeout', true],
    ];
    for (const [error, code, retryable] of cases) {
      const classification = classifyStsError(error);
      assert.equal(classification.stsCode, code, JSON.stringify(error));
      assert.equal(classification.retryable, retryable, JSON.stringify(error));
    }
  });

  test('full jitter stays below the capped exponential ceiling', () => {
    assert.equal(fullJitterDelay(1, 100, 1000, () => 0.999), 99);
    assert.equal(fullJitterDelay(4, 100, 1000, () => 0.999), 799);
    assert.equal(fullJitterDelay(10, 100, 1000, () => 0.999), 999);
    assert.equal(fullJitterDelay(10, 100, 1000, () => 0), 0);
  });

  test('regional endpoints', () => {
    assert.equal(regionalStsEndpoint('eu-central-1'), 'https://sts.eu-central-1.amazonaws.com');
    assert.equal(regionalStsEndpoint('cn-north-1'), 'https://sts.cn-north-1.amazonaws.com.cn');
  });
});
