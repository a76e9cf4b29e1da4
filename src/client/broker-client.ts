import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import { BrokerClientError, apiErrorToClientError, oauthErrorToClientError } from './errors.ts';
import {
  cliLoginFromWire,
  cliTokenWire,
  sessionFromWire,
  sessionListWire,
  sessionWire,
  startedSessionWire,
  tokenResponseWire,
  type BrokerSession,
  type CliLoginResult,
  type ExchangedToken,
  type StartSessionRequest,
  type StartedSession,
} from './types.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const SESSION_CREDENTIAL_TOKEN_TYPE = 'urn:roleport:params:oauth:token-type:session-credential';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

export interface BrokerClientOptions {
  /** The broker's base URL (`ROLEPORT_URL`), e.g. `https://roleport.example.com`. */
  baseUrl: string;
  /** Per-request time limit (default 10 s). */
  timeoutMs?: number | undefined;
  /** Requests in flight at once; more wait their turn (default 64). */
  maxSockets?: number | undefined;
}

export interface ExchangeTokenOptions {
  sessionCredential: string;
  /** Default: the session's audience. */
  audience?: string | undefined;
  /** One of the session's role ARNs (RFC 8707 `resource`). */
  resource?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface CliCodeExchange {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

/** Typed calls to the broker's session API and token endpoint; every failure is a `BrokerClientError`. */
export interface BrokerClient {
  readonly baseUrl: string;
  /** RFC 8693 token exchange at `/oauth/token`: the session credential for a fresh ID token. */
  exchangeToken(options: ExchangeTokenOptions): Promise<ExchangedToken>;
  getCurrentSession(sessionCredential: string, signal?: AbortSignal): Promise<BrokerSession>;
  endCurrentSession(sessionCredential: string): Promise<BrokerSession>;
  startSession(userToken: string, request: StartSessionRequest): Promise<StartedSession>;
  listSessions(userToken: string, options?: { all?: boolean }): Promise<BrokerSession[]>;
  endSession(userToken: string, sessionId: string): Promise<BrokerSession>;
  revokeSession(userToken: string, sessionId: string): Promise<BrokerSession>;
  setSessionRoles(userToken: string, sessionId: string, roles: readonly string[]): Promise<BrokerSession>;
  /** The last step of `roleport login`: the one-time code for a user API token. */
  exchangeCliLoginCode(exchange: CliCodeExchange): Promise<CliLoginResult>;
  /** Closes the kept-alive connections (idle ones never hold the process open anyway). */
  close(): void;
}

interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  bearer?: string | undefined;
  json?: unknown;
  form?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/**
 * Creates the client. Requests carry a time limit; a network failure, a timeout, a 5xx or
 * `temporarily_unavailable` is a retryable `BrokerClientError`, a refusal a final one.
 * @see ../../docs/session-protocol.md
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 */
export function createBrokerClient(options: BrokerClientOptions): BrokerClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const target = new URL(baseUrl);
  const secure = target.protocol === 'https:';
  // node:http with a keep-alive pool rather than fetch: an agent serving thousands of
  // sessions makes steady small requests, and fetch's per-request allocations cost it
  // several times the memory (see bench/agent.ts).
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 })
    : new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const basePath = target.pathname.replace(/\/+$/, '');

  async function send(spec: RequestSpec): Promise<{ status: number; body: unknown; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (spec.bearer !== undefined) headers['authorization'] = `Bearer ${spec.bearer}`;
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
  }

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

  function protocolError(what: string, status: number, detail: string): BrokerClientError {
    return new BrokerClientError('ERR_BROKER_PROTOCOL', `unexpected answer from the broker to ${what} (HTTP ${status}): ${detail}`, {
      retryable: status >= 500,
      httpStatus: status,
    });
  }

  /** API calls: 2xx bodies parsed with `schema`, errors `{code, message}`. */
  async function api<S extends z.ZodType>(spec: RequestSpec, schema: S): Promise<z.output<S>> {
    const { status, body, text } = await send(spec);
    const what = `${spec.method} ${spec.path}`;
    if (status < 200 || status >= 300) {
      if (isObject(body) && ('code' in body || 'message' in body)) throw apiErrorToClientError(status, body['code'], body['message']);
      if (status >= 500 || status === 401 || status === 403 || status === 404) throw apiErrorToClientError(status, undefined, `${what}: HTTP ${status}`);
      throw protocolError(what, status, snippet(text));
    }
    const result = schema.safeParse(body);
    if (!result.success) throw protocolError(what, status, result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return result.data;
  }

  const sessionPath = (id: string): string => `/api/v1/sessions/${encodeURIComponent(id)}`;

  return {
    baseUrl,

    async exchangeToken(request) {
      const form: Record<string, string> = {
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: request.sessionCredential,
        subject_token_type: SESSION_CREDENTIAL_TOKEN_TYPE,
        requested_token_type: ID_TOKEN_TYPE,
      };
      if (request.audience !== undefined) form['audience'] = request.audience;
      if (request.resource !== undefined) form['resource'] = request.resource;
      const { status, body, text } = await send({ method: 'POST', path: '/oauth/token', form, signal: request.signal });
      if (status !== 200) {
        if (isObject(body) && typeof body['error'] === 'string') {
          const description = typeof body['error_description'] === 'string' ? body['error_description'] : undefined;
          throw oauthErrorToClientError(status, body['error'], description);
        }
        if (status >= 500) throw new BrokerClientError('ERR_BROKER_UNAVAILABLE', `token endpoint answered HTTP ${status}`, { retryable: true, httpStatus: status });
        throw protocolError('POST /oauth/token', status, snippet(text));
      }
      const parsed = tokenResponseWire.safeParse(body);
      if (!parsed.success) throw protocolError('POST /oauth/token', status, 'not a token response');
      return { token: parsed.data.access_token, issuedTokenType: parsed.data.issued_token_type, expiresInSeconds: parsed.data.expires_in };
    },

    async getCurrentSession(sessionCredential, signal) {
      return sessionFromWire(await api({ method: 'GET', path: '/api/v1/sessions/current', bearer: sessionCredential, signal }, sessionWire));
    },

    async endCurrentSession(sessionCredential) {
      return sessionFromWire(await api({ method: 'POST', path: '/api/v1/sessions/current/end', bearer: sessionCredential, json: {} }, sessionWire));
    },

    async startSession(userToken, request) {
      const json: Record<string, unknown> = { roles: [...request.roles], token_source: request.tokenSource ?? 'broker' };
      if (request.audience !== undefined) json['audience'] = request.audience;
      if (request.region !== undefined) json['region'] = request.region;
      if (request.tokenTtlSeconds !== undefined) json['token_ttl_seconds'] = request.tokenTtlSeconds;
      const wire = await api({ method: 'POST', path: '/api/v1/sessions', bearer: userToken, json }, startedSessionWire);
      return { session: sessionFromWire(wire.session), credential: wire.credential };
    },

    async listSessions(userToken, listOptions = {}) {
      const wire = await api({ method: 'GET', path: `/api/v1/sessions${listOptions.all === true ? '?all=1' : ''}`, bearer: userToken }, sessionListWire);
      return wire.sessions.map(sessionFromWire);
    },

    async endSession(userToken, sessionId) {
      return sessionFromWire(await api({ method: 'POST', path: `${sessionPath(sessionId)}/end`, bearer: userToken, json: {} }, sessionWire));
    },

    async revokeSession(userToken, sessionId) {
      return sessionFromWire(await api({ method: 'POST', path: `${sessionPath(sessionId)}/revoke`, bearer: userToken, json: {} }, sessionWire));
    },

    async setSessionRoles(userToken, sessionId, roles) {
      return sessionFromWire(await api({ method: 'POST', path: `${sessionPath(sessionId)}/roles`, bearer: userToken, json: { roles: [...roles] } }, sessionWire));
    },

    async exchangeCliLoginCode(exchange) {
      const wire = await api(
        { method: 'POST', path: '/api/v1/cli/token', json: { code: exchange.code, code_verifier: exchange.codeVerifier, redirect_uri: exchange.redirectUri } },
        cliTokenWire,
      );
      return cliLoginFromWire(wire);
    },

    close() {
      agent.destroy();
    },
  };
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === '' ? 'empty body' : flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code !== undefined && !message.includes(code) ? `${code} ${message}` : message;
}
