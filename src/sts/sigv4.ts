/**
 * Authenticating signed STS requests (Signature Version 4), by recomputing the signature
 * with the AWS SDK's own signer (`@smithy/signature-v4`) from the request as received and
 * the caller's stored secret, and comparing in constant time. Both forms are accepted: the
 * `Authorization` header, and a presigned URL (`X-Amz-Signature` in the query).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 */
import { createHash } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { constantTimeEqual, type Clock } from '../core/index.ts';
import { stsError } from '../iam/index.ts';
import { sessionTokenMatches, type AccessKeyDirectory, type SigningSecret, type StsCaller } from './credentials.ts';

/** A request as received: what the signature covers. */
export interface SignedHttpRequest {
  readonly method: string;
  /** The path without the query string, as sent. */
  readonly path: string;
  /** The raw query string (after `?`), undecoded. */
  readonly rawQuery: string;
  /** Header names in lower case, as Node delivers them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses signatures dated more than 15 minutes from its clock, in either direction. */
export const MAX_SIGNATURE_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

interface ParsedAuthorization {
  presigned: boolean;
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  date: number;
  securityToken: string | undefined;
  /** Presigned URLs only: X-Amz-Expires, seconds. */
  expiresIn: number | undefined;
}

/** Splits a raw query string into decoded pairs, keeping repeats; `+` stays a plus, as SigV4 canonicalization expects. */
export function parseRawQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (rawQuery === '') return query;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const index = pair.indexOf('=');
    const name = safeDecode(index < 0 ? pair : pair.slice(0, index));
    const value = safeDecode(index < 0 ? '' : pair.slice(index + 1));
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else query[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function headerValue(headers: SignedHttpRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

function firstQueryValue(query: Record<string, string | string[]>, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseAmzDate(value: string | undefined): number | undefined {
  const match = value === undefined ? null : AMZ_DATE.exec(value);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match as unknown as [string, string, string, string, string, string, string];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(ms) ? undefined : ms;
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

function readCredential(credential: string): Pick<ParsedAuthorization, 'accessKeyId' | 'scopeDate' | 'region' | 'service'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((part) => part === '')) {
    throw stsError('IncompleteSignature', `Credential should be of the form 'ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request', got '${credential}'.`);
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  if (terminator !== 'aws4_request') throw stsError('SignatureDoesNotMatch', `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`);
  return { accessKeyId, scopeDate, region, service };
}

function parseAuthorization(request: SignedHttpRequest, query: Record<string, string | string[]>): ParsedAuthorization {
  const header = headerValue(request.headers, 'authorization');
  const securityTokenHeader = headerValue(request.headers, 'x-amz-security-token');
  if (header !== undefined) {
    const space = header.indexOf(' ');
    const algorithm = space < 0 ? header : header.slice(0, space);
    if (algorithm !== ALGORITHM) throw stsError('IncompleteSignature', `Unsupported AWS 'algorithm': '${algorithm}'; only ${ALGORITHM} (Signature Version 4) is accepted.`);
    const fields = new Map<string, string>();
    for (const part of header.slice(space + 1).split(',')) {
      const index = part.indexOf('=');
      if (index > 0) fields.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
    }
    for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
      if (!fields.has(name)) throw stsError('IncompleteSignature', `Authorization header requires '${name}' parameter. Authorization=${header.replace(/Signature=\w+/, 'Signature=…')}`);
    }
    const amzDate = headerValue(request.headers, 'x-amz-date');
    if (amzDate === undefined) throw stsError('IncompleteSignature', "Authorization header requires existence of a 'X-Amz-Date' header.");
    const date = parseAmzDate(amzDate);
    if (date === undefined) throw stsError('IncompleteSignature', `X-Amz-Date '${amzDate}' is not of the form YYYYMMDDTHHMMSSZ.`);
    return {
      presigned: false,
      ...readCredential(fields.get('Credential') as string),
      signedHeaders: (fields.get('SignedHeaders') as string).split(';'),
      signature: fields.get('Signature') as string,
      amzDate,
      date,
      securityToken: securityTokenHeader,
      expiresIn: undefined,
    };
  }
  const algorithm = firstQueryValue(query, 'X-Amz-Algorithm');
  if (algorithm === undefined) throw stsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (algorithm !== ALGORITHM) throw stsError('IncompleteSignature', `Unsupported AWS 'algorithm': '${algorithm}'.`);
  for (const name of ['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Date']) {
    if (firstQueryValue(query, name) === undefined) throw stsError('IncompleteSignature', `AWS query-string parameters must include '${name}'.`);
  }
  const amzDate = firstQueryValue(query, 'X-Amz-Date') as string;
  const date = parseAmzDate(amzDate);
  if (date === undefined) throw stsError('IncompleteSignature', `X-Amz-Date '${amzDate}' is not of the form YYYYMMDDTHHMMSSZ.`);
  const expires = firstQueryValue(query, 'X-Amz-Expires') ?? '900';
  if (!/^\d{1,6}$/.test(expires) || Number(expires) > 604800) throw stsError('IncompleteSignature', 'X-Amz-Expires must be a whole number of seconds up to 604800.');
  return {
    presigned: true,
    ...readCredential(firstQueryValue(query, 'X-Amz-Credential') as string),
    signedHeaders: (firstQueryValue(query, 'X-Amz-SignedHeaders') as string).split(';'),
    signature: firstQueryValue(query, 'X-Amz-Signature') as string,
    amzDate,
    date,
    securityToken: firstQueryValue(query, 'X-Amz-Security-Token') ?? securityTokenHeader,
    expiresIn: Number(expires),
  };
}

function checkScope(auth: ParsedAuthorization): void {
  if (auth.service !== 'sts') throw stsError('SignatureDoesNotMatch', `Credential should be scoped to correct service: 'sts'. `);
  if (auth.scopeDate !== auth.amzDate.slice(0, 8)) {
    throw stsError(
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}', from '${auth.presigned ? 'X-Amz-Date' : 'x-amz-date'}'.`,
    );
  }
  if (!auth.signedHeaders.includes('host')) throw stsError('SignatureDoesNotMatch', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

/**
 * A client may state the body's hash in `x-amz-content-sha256` (the SDK's signer does); the
 * signer then signs that value instead of hashing the body, so it must match the body
 * actually received — otherwise a signed request could carry any body.
 */
function checkPayloadHash(request: SignedHttpRequest): void {
  const claimed = headerValue(request.headers, 'x-amz-content-sha256');
  if (claimed === undefined) return;
  if (claimed !== createHash('sha256').update(request.body).digest('hex')) {
    throw stsError('SignatureDoesNotMatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
}

function checkTime(auth: ParsedAuthorization, now: number): void {
  if (auth.date < now - MAX_SIGNATURE_SKEW_MS) {
    throw stsError('SignatureDoesNotMatch', `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - MAX_SIGNATURE_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`);
  }
  if (auth.date > now + MAX_SIGNATURE_SKEW_MS) {
    throw stsError('SignatureDoesNotMatch', `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(now + MAX_SIGNATURE_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`);
  }
  if (auth.presigned && now > auth.date + (auth.expiresIn as number) * 1000) throw stsError('RequestExpired', 'Request has expired.');
}

/**
 * Long-term keys are stored as `SHA-256("AWS4" + secret)` only. SigV4's first step is
 * `HMAC("AWS4" + secret, date)`, and HMAC replaces a key longer than the hash's block by
 * the key's hash (RFC 2104 §2), so with that hash as the key the signer computes the same
 * signature. The SDK's signer prepends "AWS4" itself; it is handed a marker instead of the
 * secret, which {@link KeyHashSha256} turns back into the stored hash.
 */
const KEY_HASH_MARKER = '\u0000roleport-key-hash:';

class KeyHashSha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', typeof secret === 'string' && secret.startsWith(`AWS4${KEY_HASH_MARKER}`) ? Buffer.from(secret.slice(4 + KEY_HASH_MARKER.length), 'hex') : secret);
  }
}

/** `SHA-256("AWS4" + secret)`, what is stored of a long-term key; the secret must make that key longer than 64 bytes. */
export function signingKeyHash(secretAccessKey: string): Uint8Array {
  const key = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  if (key.length <= 64) throw new TypeError('a hashed signing key needs a secret of at least 61 bytes');
  return createHash('sha256').update(key).digest();
}

function signerSecret(secret: SigningSecret): string {
  return secret.kind === 'secret' ? secret.secretAccessKey : `${KEY_HASH_MARKER}${Buffer.from(secret.keyHash).toString('hex')}`;
}

/** Recomputes the signature over exactly the headers the client signed. */
async function expectedSignature(request: SignedHttpRequest, query: Record<string, string | string[]>, auth: ParsedAuthorization, secret: SigningSecret): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: signerSecret(secret), ...(auth.presigned && auth.securityToken !== undefined ? { sessionToken: auth.securityToken } : {}) },
    region: auth.region,
    service: 'sts',
    sha256: secret.kind === 'secret' ? Hash.bind(null, 'sha256') : KeyHashSha256,
    uriEscapePath: true,
    // Adding x-amz-content-sha256 would change what is signed; STS clients do not send it.
    applyChecksum: false,
  });
  const signingDate = new Date(auth.date);
  const signableHeaders = new Set(auth.signedHeaders);
  if (!auth.presigned) {
    const signed = await signer.sign(
      new HttpRequest({ method: request.method, path: request.path, query, headers, body: request.body === '' ? undefined : request.body }),
      { signingDate, signableHeaders },
    );
    const authorization = signed.headers['authorization'] ?? '';
    return /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
  }
  const unsignedQuery = { ...query };
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']) {
    delete unsignedQuery[name];
  }
  const presigned = await signer.presign(
    new HttpRequest({ method: request.method, path: request.path, query: unsignedQuery, headers, body: request.body === '' ? undefined : request.body }),
    { signingDate, signableHeaders, expiresIn: auth.expiresIn as number },
  );
  const signature = presigned.query?.['X-Amz-Signature'];
  return typeof signature === 'string' ? signature : '';
}

export interface AuthenticateOptions {
  directory: AccessKeyDirectory;
  clock: Clock;
}

/**
 * Who signed this request. Checks, in order: the signature's form, its scope, the access
 * key (`InvalidClientTokenId`), the session token (`InvalidClientTokenId`), the time
 * (`SignatureDoesNotMatch` beyond 15 minutes), the signature itself (`SignatureDoesNotMatch`),
 * and last the credentials' expiry (`ExpiredToken`), so that only the key's holder learns it expired.
 */
export async function authenticateRequest(request: SignedHttpRequest, options: AuthenticateOptions): Promise<StsCaller> {
  const query = parseRawQuery(request.rawQuery);
  const auth = parseAuthorization(request, query);
  checkScope(auth);
  const record = await options.directory.find(auth.accessKeyId);
  if (record === undefined) throw stsError('InvalidClientTokenId', INVALID_TOKEN);
  if (!sessionTokenMatches(record, auth.securityToken)) throw stsError('InvalidClientTokenId', INVALID_TOKEN);
  const now = options.clock.now();
  checkTime(auth, now);
  checkPayloadHash(request);
  const expected = await expectedSignature(request, query, auth, record.signingSecret);
  if (!constantTimeEqual(expected, auth.signature)) throw stsError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  if (record.expiresAt !== undefined && now >= record.expiresAt) throw stsError('ExpiredToken', 'The security token included in the request is expired');
  return record.caller;
}
