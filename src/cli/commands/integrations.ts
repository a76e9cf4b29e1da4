import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RoleportError, errorCodes, type ErrorCode } from '../../core/index.ts';
import { INTEGRATIONS_API_PATH, toAccessJson, toIntegrationJson, type IntegrationAccessJson, type IntegrationJson } from '../../integrations/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { UsageError, print, table } from '../output.ts';

export interface ApiFlags extends ConfigFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

interface CreateFlags extends ApiFlags {
  name?: string;
  description?: string;
  authType?: string;
  roleArn?: string;
  stsRegion?: string;
  sessionDuration?: string;
  audience?: string;
  authMode?: string;
  clientId?: string;
  clientSecretFile?: string;
  authorizationUri?: string;
  tokenUri?: string;
  tokenEndpointAuthMethod?: string;
  scopes?: string;
  pkce?: boolean;
  fromJson?: string;
}

interface AccessFlags extends ApiFlags {
  set?: string;
  add?: string;
  remove?: string;
}

/** `a,b, c` → `['a', 'b', 'c']`; undefined or "" → `[]`. */
export function guidList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

/** A running broker reached through its API with an API key, when the caller gives both. */
export interface ApiTarget {
  url: string;
  apiKey: string;
}

/** Where the secret may come from besides a file: never argv, which other users can read. */
const CLIENT_SECRET_ENV = 'ROLEPORT_INTEGRATION_CLIENT_SECRET';

/**
 * `--url`/`ROLEPORT_URL` with `--api-key`/`ROLEPORT_API_KEY`: talk to that broker's API.
 * Neither: work on the data directory / database. A key without a URL is a usage error.
 */
export function apiTargetOf(flags: ApiFlags): ApiTarget | undefined {
  const apiKey = flags.apiKey ?? nonEmpty(process.env['ROLEPORT_API_KEY']);
  const url = flags.url ?? nonEmpty(process.env['ROLEPORT_URL']);
  if (apiKey === undefined) {
    if (flags.url !== undefined) throw new UsageError('--url needs an API key: --api-key or ROLEPORT_API_KEY');
    return undefined;
  }
  if (url === undefined) throw new UsageError('an API key needs the broker: --url or ROLEPORT_URL');
  return { url: url.replace(/\/$/, ''), apiKey };
}

/** One API call with `Authorization: Key`; the API's `{code, message}` errors come back as they are. */
export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Key ${target.apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (cause) {
    throw new RoleportError('ERR_BROKER_UNAVAILABLE', `cannot reach the broker at ${target.url}: ${(cause as Error).message}`, { cause });
  }
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : safeJson(text);
  if (!response.ok) {
    const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { code?: unknown; message?: unknown };
    const code = typeof fields.code === 'string' && fields.code in errorCodes ? (fields.code as ErrorCode) : 'ERR_BROKER_PROTOCOL';
    const message = typeof fields.message === 'string' ? fields.message : `the broker answered HTTP ${response.status}`;
    throw new RoleportError(code, message, { status: response.status });
  }
  return parsed;
}

/**
 * `roleport integrations list|show|create|delete`: the integrations API
 * (`/__api__/v1/oauth/integrations`) from the command line, through a running broker with an
 * admin API key, or on the data directory / database directly.
 */
export function registerIntegrationCommands(program: Command): void {
  const group = program.command('integrations').description('OAuth integrations of published content (the /__api__/v1/oauth/integrations API)');
  const withApi = (command: Command): Command =>
    command
      .option('--url <url>', 'a running broker (default env ROLEPORT_URL when an API key is given)')
      .option('--api-key <key>', 'admin API key for --url (default env ROLEPORT_API_KEY); without one, the data directory is used')
      .option('--json', 'print JSON as the API returns it');

  withApi(group.command('list').description('list integrations')).action(async (_options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ApiFlags>();
    const target = apiTargetOf(flags);
    const list = target === undefined
      ? await withServices(flags, async (services) => (await services.integrations.integrations.list()).map(toIntegrationJson))
      : ((await callApi(target, 'GET', INTEGRATIONS_API_PATH)) as IntegrationJson[]);
    print({ json: flags.json === true }, list, () =>
      list.length === 0
        ? 'no integrations'
        : table(['GUID', 'NAME', 'AUTH TYPE', 'ROLE', 'REGION', 'DURATION'], list.map((i) => [i.guid, i.name, i.config.auth_type, i.config.role_arn, i.config.sts_region, String(i.config.session_duration)])),
    );
  });

  withApi(group.command('show <guid>').description('show one integration (never its client secret)')).action(async (guid: string, _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ApiFlags>();
    const target = apiTargetOf(flags);
    const integration = target === undefined
      ? await withServices(flags, async (services) => toIntegrationJson(await services.integrations.integrations.get(guid)))
      : ((await callApi(target, 'GET', `${INTEGRATIONS_API_PATH}/${encodeURIComponent(guid)}`)) as IntegrationJson);
    print({ json: flags.json === true }, integration, () => renderIntegration(integration));
  });

  withApi(
    group
      .command('create')
      .description('create an integration (template aws); prints it, with its guid')
      .option('--from-json <file>', 'the whole request body as JSON ({template, name, description, config}); - reads stdin')
      .option('--name <name>', 'name')
      .option('--description <text>', 'description')
      .option('--auth-type <type>', '"Service Account" or "Viewer"')
      .option('--role-arn <arn>', 'IAM role the credentials are for')
      .option('--sts-region <region>', 'region of the STS call')
      .option('--session-duration <seconds>', 'DurationSeconds, 900-43200')
      .option('--audience <aud>', 'Service Account: aud of the broker-signed token; Viewer: audience sent to the IdP')
      .option('--auth-mode <mode>', 'Viewer: Confidential or Public')
      .option('--client-id <id>', 'Viewer: client ID at the IdP')
      .option('--client-secret-file <file>', `Viewer: file holding the client secret (or env ${CLIENT_SECRET_ENV})`)
      .option('--authorization-uri <url>', 'Viewer: the IdP\'s authorization endpoint')
      .option('--token-uri <url>', 'Viewer: the IdP\'s token endpoint')
      .option('--token-endpoint-auth-method <method>', 'Viewer: client_secret_basic, client_secret_post or none')
      .option('--scopes <scopes>', 'Viewer: space-separated, with openid and offline_access')
      .option('--no-pkce', 'Viewer: send no PKCE challenge (use_pkce false)'),
  ).action(async (_options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<CreateFlags>();
    const body = flags.fromJson === undefined ? bodyFromFlags(flags) : readJsonBody(flags.fromJson);
    const target = apiTargetOf(flags);
    const created = target === undefined
      ? await withServices(flags, async (services) => toIntegrationJson(await services.integrations.integrations.create(body, { name: 'cli' })))
      : ((await callApi(target, 'POST', INTEGRATIONS_API_PATH, body)) as IntegrationJson);
    print({ json: flags.json === true }, created, () => `integration ${created.guid} created\n${renderIntegration(created)}`);
  });

  withApi(
    group
      .command('access <guid>')
      .description('who may use the integration: the content on its access list (admins change it); without options, show it')
      .option('--set <content-guids>', 'replace the list: comma-separated content guids ("" empties it)')
      .option('--add <content-guids>', 'grant these content items (comma-separated)')
      .option('--remove <content-guids>', 'withdraw these (comma-separated): their credentials stop at the next exchange'),
  ).action(async (guid: string, _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<AccessFlags>();
    const changes = [flags.set, flags.add, flags.remove].filter((value) => value !== undefined).length;
    if (flags.set !== undefined && changes > 1) throw new UsageError('--set replaces the list; it cannot be combined with --add or --remove');
    const target = apiTargetOf(flags);
    const path = `${INTEGRATIONS_API_PATH}/${encodeURIComponent(guid)}/access`;
    const read = async (): Promise<IntegrationAccessJson[]> =>
      target === undefined
        ? withServices(flags, async (services) => (await services.integrations.access.list(guid)).map(toAccessJson))
        : ((await callApi(target, 'GET', path)) as IntegrationAccessJson[]);
    let list = await read();
    if (changes > 0) {
      const current = list.map((entry) => entry.content_guid);
      const wanted =
        flags.set !== undefined ? guidList(flags.set) : [...current.filter((c) => !guidList(flags.remove).includes(c)), ...guidList(flags.add).filter((c) => !current.includes(c))];
      list =
        target === undefined
          ? await withServices(flags, async (services) => (await services.integrations.access.set(guid, wanted, { name: 'cli' })).map(toAccessJson))
          : ((await callApi(target, 'PUT', path, wanted.map((contentGuid) => ({ content_guid: contentGuid })))) as IntegrationAccessJson[]);
    }
    print({ json: flags.json === true }, list, () =>
      list.length === 0 ? 'no content may use this integration' : table(['CONTENT', 'GRANTED', 'BY'], list.map((entry) => [entry.content_guid, entry.granted_time, entry.granted_by])),
    );
  });

  withApi(group.command('delete <guid>').description('delete an integration (its content associations and viewer grants go with it)')).action(
    async (guid: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ApiFlags>();
      const target = apiTargetOf(flags);
      if (target === undefined) await withServices(flags, (services) => services.integrations.integrations.delete(guid, { name: 'cli' }));
      else await callApi(target, 'DELETE', `${INTEGRATIONS_API_PATH}/${encodeURIComponent(guid)}`);
      print({ json: flags.json === true }, { guid, deleted: true }, () => `integration ${guid} deleted`);
    },
  );
}

function bodyFromFlags(flags: CreateFlags): Record<string, unknown> {
  if (flags.name === undefined) throw new UsageError('--name is required (or give the whole body with --from-json)');
  if (flags.authType === undefined) throw new UsageError('--auth-type is required: "Service Account" or "Viewer"');
  const config: Record<string, unknown> = { auth_type: flags.authType, role_arn: flags.roleArn };
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) config[key] = value;
  };
  set('sts_region', flags.stsRegion);
  if (flags.sessionDuration !== undefined) {
    if (!/^\d+$/.test(flags.sessionDuration)) throw new UsageError(`--session-duration ${flags.sessionDuration}: expected whole seconds`);
    config['session_duration'] = Number(flags.sessionDuration);
  }
  set('audience', flags.audience);
  if (flags.authType === 'Viewer') {
    set('auth_mode', flags.authMode);
    set('client_id', flags.clientId);
    set('authorization_uri', flags.authorizationUri);
    set('token_uri', flags.tokenUri);
    set('token_endpoint_auth_method', flags.tokenEndpointAuthMethod);
    set('scopes', flags.scopes);
    if (flags.pkce === false) config['use_pkce'] = false;
    set('client_secret', readClientSecret(flags.clientSecretFile));
  }
  return { template: 'aws', name: flags.name, description: flags.description ?? '', config };
}

function readClientSecret(file: string | undefined): string | undefined {
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (cause) {
      throw new UsageError(`--client-secret-file ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
    }
  }
  return nonEmpty(process.env[CLIENT_SECRET_ENV]);
}

function readJsonBody(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (cause) {
    throw new UsageError(`--from-json ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--from-json ${file}: not valid JSON`);
  }
}

function renderIntegration(integration: IntegrationJson): string {
  const lines = [`guid: ${integration.guid}`, `name: ${integration.name}`, `description: ${integration.description}`, `template: ${integration.template}`];
  for (const [key, value] of Object.entries(integration.config)) lines.push(`config.${key}: ${String(value)}`);
  lines.push(`created_time: ${integration.created_time}`, `updated_time: ${integration.updated_time}`);
  return lines.join('\n');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
