import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BrokerClientError } from './errors.ts';

export interface HttpTransportOptions {
  /** The broker's base URL (`ROLEPORT_URL`), e.g. `https://roleport.example.com`. */
  baseUrl: string;
  /** Per-request time limit (default 10 s). */
  timeoutMs?: number | undefined;
  /** Requests in flight at once; more wait their turn (default 64). */
  maxSockets?: number | undefined;
}

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below the base URL's path, e.g. `/oauth/token`. */
  path: string;
  headers?: Record<string, string> | undefined;
  json?: unknown;
  form?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  status: number;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  text: string;
}

/** Requests to one broker over a keep-alive pool; no response status is an error here. */
export interface HttpTransport {
  /** The normalized base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** A network failure or timeout is a retryable `ERR_BROKER_UNAVAILABLE`; the caller's abort passes through. */
  send(request: TransportRequest): Promise<TransportResponse>;
  close(): void;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The one HTTP client of `client/`: node:http with a keep-alive pool rather than fetch,
 * because an agent serving thousands of sessions makes steady small requests and fetch's
 * per-request allocations cost it several times the memory (see bench/agent.ts); and
 * node:http loads in a fraction of undici's time, which every in-session command pays.
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const target = new URL(baseUrl);
  const secure = target.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 })
    : new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const basePath = target.pathname.replace(/\/+$/, '');

  /** One request/response on the pool, bounded by the time limit and the caller's signal. */
  function exchange(method: string, path: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        { protocol: target.protocol, hostname: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, path, method, headers, agent, ...(signal === undefined ? {} : { signal }) },
        (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) request.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          response.on('end', () => {
            clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
        },
      );
      const timer = setTimeout(() => request.destroy(new RequestTimeout()), timeoutMs);
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(body);
    });
  }

  return {
    baseUrl,
    async send(spec) {
      const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
      let body: string | undefined;
      if (spec.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(spec.json);
      } else if (spec.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(spec.form).toString();
      }
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      let status: number;
      let text: string;
      try {
        ({ status, text } = await exchange(spec.method, `${basePath}${spec.path}`, headers, body, spec.signal));
      } catch (error) {
        if (spec.signal?.aborted === true) throw spec.signal.reason ?? error;
        const timedOut = error instanceof RequestTimeout;
        throw new BrokerClientError(
          'ERR_BROKER_UNAVAILABLE',
          timedOut ? `broker at ${baseUrl} did not answer ${spec.method} ${spec.path} within ${timeoutMs} ms` : `cannot reach the broker at ${baseUrl}: ${describeNetworkError(error)}`,
          { retryable: true, cause: error },
        );
      }
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status, body: parsed, text };
    },
    close() {
      agent.destroy();
    },
  };
}

class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
  constructor() {
    super('request timed out');
  }
}

function normalizeBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BrokerClientError('ERR_INPUT_INVALID', `broker URL ${JSON.stringify(value)} is not a URL (expected e.g. https://roleport.example.com)`, { retryable: false });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BrokerClientError('ERR_INPUT_INVALID', `broker URL ${value}: expected http:// or https://`, { retryable: false });
  }
  return url.href.replace(/\/+$/, '');
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code !== undefined && !message.includes(code) ? `${code} ${message}` : message;
}
