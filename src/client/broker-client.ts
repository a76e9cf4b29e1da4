import { BrokerClientError, apiErrorToClientError, oauthErrorToClientError } from './errors.ts';
import { createHttpTransport, type TransportResponse } from './http-transport.ts';
import { WireShapeError, type Check } from './wire-shape.ts';
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
  /** One of the session's role ARNs, or `gcp:NAME` / `azure:NAME` for a cloud target (RFC 8707 `resource`). */
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
  /** Throws `ERR_BROKER_UNAVAILABLE` when nothing answers at the base URL (any HTTP answer will do). */
  checkReachable(): Promise<void>;
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
  const transport = createHttpTransport(options);
  const baseUrl = transport.baseUrl;
  const send = (spec: RequestSpec): Promise<TransportResponse> =>
    transport.send({ ...spec, headers: spec.bearer === undefined ? {} : { authorization: `Bearer ${spec.bearer}` } });

  function protocolError(what: string, status: number, detail: string): BrokerClientError {
    return new BrokerClientError('ERR_BROKER_PROTOCOL', `unexpected answer from the broker to ${what} (HTTP ${status}): ${detail}`, {
      retryable: status >= 500,
      httpStatus: status,
    });
  }

  /** API calls: 2xx bodies checked with `check`, errors `{code, message}`. */
  async function api<T>(spec: RequestSpec, check: Check<T>): Promise<T> {
    const { status, body, text } = await send(spec);
    const what = `${spec.method} ${spec.path}`;
    if (status < 200 || status >= 300) {
      if (isObject(body) && ('code' in body || 'message' in body)) throw apiErrorToClientError(status, body['code'], body['message']);
      if (status >= 500 || status === 401 || status === 403 || status === 404) throw apiErrorToClientError(status, undefined, `${what}: HTTP ${status}`);
      throw protocolError(what, status, snippet(text));
    }
    try {
      return check(body, '');
    } catch (error) {
      if (error instanceof WireShapeError) throw protocolError(what, status, error.message);
      throw error;
    }
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
      let parsed;
      try {
        parsed = tokenResponseWire(body, '');
      } catch {
        throw protocolError('POST /oauth/token', status, 'not a token response');
      }
      return { token: parsed.access_token, issuedTokenType: parsed.issued_token_type, expiresInSeconds: parsed.expires_in };
    },

    async getCurrentSession(sessionCredential, signal) {
      return sessionFromWire(await api({ method: 'GET', path: '/api/v1/sessions/current', bearer: sessionCredential, signal }, sessionWire));
    },

    async endCurrentSession(sessionCredential) {
      return sessionFromWire(await api({ method: 'POST', path: '/api/v1/sessions/current/end', bearer: sessionCredential, json: {} }, sessionWire));
    },

    async startSession(userToken, request) {
      const json: Record<string, unknown> = { roles: [...request.roles], token_source: request.tokenSource ?? 'broker' };
      if (request.gcpTargets !== undefined && request.gcpTargets.length > 0) json['gcp_targets'] = [...request.gcpTargets];
      if (request.azureTargets !== undefined && request.azureTargets.length > 0) json['azure_targets'] = [...request.azureTargets];
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

    async checkReachable() {
      await send({ method: 'GET', path: '/healthz' });
    },

    async exchangeCliLoginCode(exchange) {
      const wire = await api(
        { method: 'POST', path: '/api/v1/cli/token', json: { code: exchange.code, code_verifier: exchange.codeVerifier, redirect_uri: exchange.redirectUri } },
        cliTokenWire,
      );
      return cliLoginFromWire(wire);
    },

    close() {
      transport.close();
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === '' ? 'empty body' : flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}
