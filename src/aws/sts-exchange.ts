import { AssumeRoleWithWebIdentityCommand, STSClient, type AssumeRoleWithWebIdentityCommandOutput } from '@aws-sdk/client-sts';
import { fullJitterDelay, RoleportError } from '../core/index.ts';
import { parseAssumedRoleArn, regionalStsEndpoint } from '../iam/index.ts';

/**
 * The one place Roleport trades a web identity token for AWS credentials. The agent's
 * container-credentials endpoint, `roleport credential-process`, `roleport idp login aws`
 * and the broker's integrations all call it, so that retry and failover behave alike.
 */

/** How failed attempts are retried; every field has a default. */
export interface StsRetryOptions {
  /** Attempts in all, across regions (default 4). */
  maxAttempts?: number | undefined;
  /** Upper bound of the first backoff (default 200 ms); doubles per attempt. */
  baseDelayMs?: number | undefined;
  /** Cap of the backoff (default 5 s). */
  maxDelayMs?: number | undefined;
  /** Uniform [0, 1) source for the full jitter (default Math.random). */
  random?: (() => number) | undefined;
  /** Waits between attempts (default a timer that the abort signal cancels). */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

export interface AssumeRoleWithWebIdentityOptions {
  /** The region whose regional endpoint (`https://sts.<region>.amazonaws.com`) is tried first. */
  region: string;
  /**
   * Overrides the endpoint, e.g. Roleport's local STS: one URL for every region, or a
   * function of the region.
   */
  endpoint?: string | ((region: string) => string) | undefined;
  /** Regions tried in turn after a retryable failure (round robin with `region`). */
  failoverRegions?: readonly string[] | undefined;
  roleArn: string;
  roleSessionName: string;
  /** 900–43200; AWS's default (3600) when omitted. */
  durationSeconds?: number | undefined;
  /**
   * Returns a token for one attempt. Called again for every attempt, so that a retry never
   * sends a token that expired (or was refused) in the meantime. Its errors end the
   * exchange unchanged: the caller knows best whether its token source is worth retrying.
   */
  getToken: () => Promise<string>;
  retry?: StsRetryOptions | undefined;
  /** Per-attempt time limit for connecting and for the response (default 5 s). */
  requestTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Temporary credentials of the assumed role; `expiration` in ms since the epoch. */
export interface StsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
}

export interface AssumeRoleWithWebIdentityResult {
  credentials: StsCredentials;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  assumedRoleArn: string;
  assumedRoleId: string;
  /** The account of the assumed role, from its ARN. */
  accountId: string | undefined;
  subjectFromWebIdentityToken: string | undefined;
  audience: string | undefined;
  provider: string | undefined;
  sourceIdentity: string | undefined;
  /** The region whose endpoint answered. */
  region: string;
  attempts: number;
}

/** How one failure was read: its STS error code and whether another attempt may succeed. */
export interface StsErrorClassification {
  /** STS's wire code (`InvalidIdentityToken`, `Throttling`, …) or `NetworkError`/`Timeout`. */
  stsCode: string;
  retryable: boolean;
  httpStatus: number | undefined;
  message: string;
}

/**
 * A failed exchange. `ERR_STS_REJECTED` when STS refused for good (bad token, trust policy,
 * duration…), `ERR_STS_UNAVAILABLE` when every attempt failed for a passing reason.
 */
export class StsExchangeError extends RoleportError {
  readonly stsCode: string;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly region: string;
  readonly attempts: number;

  constructor(classification: StsErrorClassification, region: string, attempts: number, cause: unknown) {
    super(
      classification.retryable ? 'ERR_STS_UNAVAILABLE' : 'ERR_STS_REJECTED',
      `STS ${classification.stsCode} in ${region}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${classification.message}`,
      { cause },
    );
    this.name = 'StsExchangeError';
    this.stsCode = classification.stsCode;
    this.retryable = classification.retryable;
    this.httpStatus = classification.httpStatus;
    this.region = region;
    this.attempts = attempts;
  }
}

// The SDK names modelled errors after their shapes; the wire (and AWS's docs) use these codes.
const SHAPE_TO_WIRE_CODE: Readonly<Record<string, string>> = {
  InvalidIdentityTokenException: 'InvalidIdentityToken',
  IDPCommunicationErrorException: 'IDPCommunicationError',
  IDPRejectedClaimException: 'IDPRejectedClaim',
  MalformedPolicyDocumentException: 'MalformedPolicyDocument',
  PackedPolicyTooLargeException: 'PackedPolicyTooLarge',
};

const RETRYABLE_CODES = new Set([
  'IDPCommunicationError',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  // The region has STS switched off: another region may serve.
  'RegionDisabledException',
]);

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'AbortError']);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  Code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
}

/**
 * Tells retryable failures (throttling, `IDPCommunicationError`, 5xx, network, timeouts)
 * apart from final ones (`InvalidIdentityToken`, `ExpiredTokenException`, `AccessDenied`,
 * `ValidationError`, …). Unknown 4xx codes are final: repeating a refused request does not help.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
 */
export function classifyStsError(error: unknown): StsErrorClassification {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const rawMessage = typeof shape.message === 'string' && shape.message !== '' ? shape.message : String(error);
  const rawStatus = shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode;
  const httpStatus = typeof rawStatus === 'number' ? rawStatus : undefined;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const code = typeof shape.Code === 'string' ? shape.Code : name;
  // A body that is no STS error document (a proxy's HTML page) leaves only the generic name.
  const generic = code === '' || code === 'Error' || code === 'UnknownError';
  const stsCode = generic ? (httpStatus === undefined ? 'UnknownError' : `HTTP${httpStatus}`) : (SHAPE_TO_WIRE_CODE[code] ?? code);
  const message = generic && httpStatus !== undefined ? `unexpected HTTP ${httpStatus} response` : rawMessage;

  if (httpStatus === undefined) {
    // No HTTP response: the request never completed (refused, reset, DNS, timeout).
    const errno = typeof shape.code === 'string' ? shape.code : '';
    if (TIMEOUT_NAMES.has(name) || errno === 'ETIMEDOUT') return { stsCode: 'Timeout', retryable: true, httpStatus, message };
    if (NETWORK_ERROR_CODES.has(errno) || shape.$fault === undefined) return { stsCode: 'NetworkError', retryable: true, httpStatus, message };
  }
  if (RETRYABLE_CODES.has(stsCode)) return { stsCode, retryable: true, httpStatus, message };
  if (httpStatus !== undefined && httpStatus >= 500) return { stsCode, retryable: true, httpStatus, message };
  if (httpStatus === 429) return { stsCode, retryable: true, httpStatus, message };
  return { stsCode, retryable: false, httpStatus, message };
}


function endpointFor(endpoint: AssumeRoleWithWebIdentityOptions['endpoint'], region: string): string {
  if (endpoint === undefined) return regionalStsEndpoint(region);
  return typeof endpoint === 'string' ? endpoint : endpoint(region);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `AssumeRoleWithWebIdentity` through the AWS SDK v3, unsigned as the API is, at the regional
 * endpoint (or `endpoint`). A retryable failure is retried after a fully jittered backoff in
 * the next region of `[region, ...failoverRegions]`, with a fresh token from `getToken()`;
 * a final one throws at once. The SDK's own retries are off so that each attempt gets its
 * own token.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export async function assumeRoleWithWebIdentity(options: AssumeRoleWithWebIdentityOptions): Promise<AssumeRoleWithWebIdentityResult> {
  const regions = [options.region, ...(options.failoverRegions ?? []).filter((r) => r !== options.region)];
  const maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 4);
  const baseDelayMs = options.retry?.baseDelayMs ?? 200;
  const maxDelayMs = options.retry?.maxDelayMs ?? 5000;
  const random = options.retry?.random ?? Math.random;
  const sleep = options.retry?.sleep ?? abortableSleep;
  const timeout = options.requestTimeoutMs ?? 5000;

  for (let attempt = 1; ; attempt++) {
    const region = regions[(attempt - 1) % regions.length]!;
    const token = await options.getToken();
    const client = new STSClient({
      region,
      endpoint: endpointFor(options.endpoint, region),
      maxAttempts: 1,
      requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
    });
    try {
      const response = await client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.roleSessionName,
          WebIdentityToken: token,
          ...(options.durationSeconds === undefined ? {} : { DurationSeconds: options.durationSeconds }),
        }),
        options.signal === undefined ? {} : { abortSignal: options.signal },
      );
      return toResult(response, region, attempt);
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      const classification = classifyStsError(error);
      if (!classification.retryable || attempt >= maxAttempts) throw new StsExchangeError(classification, region, attempt, error);
      await sleep(fullJitterDelay(attempt, baseDelayMs, maxDelayMs, random), options.signal);
    } finally {
      client.destroy();
    }
  }
}

function toResult(response: AssumeRoleWithWebIdentityCommandOutput, region: string, attempts: number): AssumeRoleWithWebIdentityResult {
  const credentials = response.Credentials;
  if (
    credentials?.AccessKeyId === undefined ||
    credentials.SecretAccessKey === undefined ||
    credentials.SessionToken === undefined ||
    credentials.Expiration === undefined
  ) {
    throw new StsExchangeError(
      { stsCode: 'MalformedResponse', retryable: false, httpStatus: 200, message: 'the response carries no complete Credentials' },
      region,
      attempts,
      undefined,
    );
  }
  const assumedRoleArn = response.AssumedRoleUser?.Arn ?? '';
  return {
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration.getTime(),
    },
    assumedRoleArn,
    assumedRoleId: response.AssumedRoleUser?.AssumedRoleId ?? '',
    accountId: parseAssumedRoleArn(assumedRoleArn)?.account,
    subjectFromWebIdentityToken: response.SubjectFromWebIdentityToken,
    audience: response.Audience,
    provider: response.Provider,
    sourceIdentity: response.SourceIdentity,
    region,
    attempts,
  };
}
