import { createApiKeyClient, type ApiKeyClient } from '../client/index.ts';
import type { ConfigFlags } from './context.ts';
import { nonEmptyEnv } from './flags.ts';

export { CLIENT_SECRET_ENV } from './flags.ts';
import { UsageError } from './output.ts';

/** Flags of the commands that work through a running broker's API or on the data directory. */
export interface ApiFlags extends ConfigFlags {
  url?: string | undefined;
  apiKey?: string | undefined;
  json: boolean;
}

/**
 * `--url`/`ROLEPORT_URL` with `--api-key`/`ROLEPORT_API_KEY`: a client of that broker's API.
 * Neither: undefined, and the command works on the data directory / database. A key without
 * a URL is a usage error, and so is `--url` without a key.
 */
export function apiClientOf(flags: ApiFlags): ApiKeyClient | undefined {
  const apiKey = flags.apiKey ?? nonEmptyEnv('ROLEPORT_API_KEY');
  const url = flags.url ?? nonEmptyEnv('ROLEPORT_URL');
  if (apiKey === undefined) {
    if (flags.url !== undefined) throw new UsageError('--url needs an API key: --api-key or ROLEPORT_API_KEY');
    return undefined;
  }
  if (url === undefined) throw new UsageError('an API key needs the broker: --url or ROLEPORT_URL');
  return createApiKeyClient({ baseUrl: url, apiKey });
}

/** One API call, then the client's connections are closed (a command makes one or two calls). */
export async function callOnce(api: ApiKeyClient, method: Parameters<ApiKeyClient['call']>[0], path: string, body?: unknown): Promise<unknown> {
  try {
    return await api.call(method, path, body);
  } finally {
    api.close();
  }
}
