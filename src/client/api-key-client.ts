import { apiErrorToClientError } from './errors.ts';
import { createHttpTransport, type TransportRequest } from './http-transport.ts';

export interface ApiKeyClientOptions {
  /** A running broker (`--url`, `ROLEPORT_URL`). */
  baseUrl: string;
  /** An admin or publisher key (`--api-key`, `ROLEPORT_API_KEY`). */
  apiKey: string;
  timeoutMs?: number | undefined;
}

/** The integrations and content API (`/__api__/v1/…`) with `Authorization: Key`. */
export interface ApiKeyClient {
  readonly baseUrl: string;
  /** The parsed JSON body of a 2xx answer (undefined when empty); any other answer throws `BrokerClientError`. */
  call(method: TransportRequest['method'], path: string, body?: unknown): Promise<unknown>;
  close(): void;
}

/**
 * The client of the publishing server's API shape, as `roleport integrations` and
 * `roleport content` use it with `--url` and an API key. Errors keep the API's stable
 * `ERR_*` code and message, read from its `{code: <int>, error, payload, roleport_code}`
 * (or `{code, message}`).
 * @see ../../docs/integrations.md
 */
export function createApiKeyClient(options: ApiKeyClientOptions): ApiKeyClient {
  const transport = createHttpTransport({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 30_000 });
  return {
    baseUrl: transport.baseUrl,
    async call(method, path, body) {
      const response = await transport.send({ method, path, headers: { authorization: `Key ${options.apiKey}` }, json: body });
      if (response.status >= 200 && response.status < 300) return response.body;
      const fields = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as { code?: unknown; roleport_code?: unknown; message?: unknown; error?: unknown };
      const message = typeof fields.message === 'string' ? fields.message : typeof fields.error === 'string' ? fields.error : `the broker answered HTTP ${response.status}`;
      throw apiErrorToClientError(response.status, fields.roleport_code ?? fields.code, message);
    },
    close: () => transport.close(),
  };
}
