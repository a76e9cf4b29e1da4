import { readFileSync } from 'node:fs';
import { INTEGRATIONS_API_PATH, toAccessJson, toIntegrationJson, type IntegrationAccessJson, type IntegrationJson } from '../../integrations/index.ts';
import { apiClientOf, callOnce, CLIENT_SECRET_ENV, type ApiFlags } from '../api-target.ts';
import { withServices } from '../context.ts';
import { nonEmptyEnv, parseGuidList } from '../flags.ts';
import { UsageError, print, table } from '../output.ts';

/** `roleport integrations create`: the body from flags, or whole from `--from-json`. */
export interface IntegrationCreateOptions extends ApiFlags {
  fromJson?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  authType?: string | undefined;
  roleArn?: string | undefined;
  stsRegion?: string | undefined;
  sessionDuration?: string | undefined;
  audience?: string | undefined;
  authMode?: string | undefined;
  clientId?: string | undefined;
  clientSecretFile?: string | undefined;
  authorizationUri?: string | undefined;
  tokenUri?: string | undefined;
  tokenEndpointAuthMethod?: string | undefined;
  scopes?: string | undefined;
  /** false with `--no-pkce`. */
  pkce?: boolean | undefined;
}

export interface IntegrationOptions extends ApiFlags {
  guid: string;
}

/** `roleport integrations access <guid>`: comma-separated content guids; none of them only shows the list. */
export interface IntegrationAccessOptions extends IntegrationOptions {
  set?: string | undefined;
  add?: string | undefined;
  remove?: string | undefined;
}

/*
 * `roleport integrations list|show|create|delete`: the integrations API
 * (`/__api__/v1/oauth/integrations`) from the command line, through a running broker with an
 * admin API key, or on the data directory / database directly.
 */

/** `roleport integrations list`. */
export async function runIntegrationList(options: ApiFlags): Promise<void> {
  const api = apiClientOf(options);
  const list = api === undefined
    ? await withServices(options, async (services) => (await services.integrations.integrations.list()).map(toIntegrationJson))
    : ((await callOnce(api, 'GET', INTEGRATIONS_API_PATH)) as IntegrationJson[]);
  print(options, list, () =>
    list.length === 0
      ? 'no integrations'
      : table(['GUID', 'NAME', 'AUTH TYPE', 'ROLE', 'REGION', 'DURATION'], list.map((i) => [i.guid, i.name, i.config.auth_type, i.config.role_arn, i.config.sts_region, String(i.config.session_duration)])),
  );
}

/** `roleport integrations show <guid>` (never its client secret). */
export async function runIntegrationShow(options: IntegrationOptions): Promise<void> {
  const api = apiClientOf(options);
  const integration = api === undefined
    ? await withServices(options, async (services) => toIntegrationJson(await services.integrations.integrations.get(options.guid)))
    : ((await callOnce(api, 'GET', `${INTEGRATIONS_API_PATH}/${encodeURIComponent(options.guid)}`)) as IntegrationJson);
  print(options, integration, () => renderIntegration(integration));
}

/** `roleport integrations create` (template aws): prints it, with its guid. */
export async function runIntegrationCreate(options: IntegrationCreateOptions): Promise<void> {
  const body = options.fromJson === undefined ? bodyFromFlags(options) : readJsonBody(options.fromJson);
  const api = apiClientOf(options);
  const created = api === undefined
    ? await withServices(options, async (services) => toIntegrationJson(await services.integrations.integrations.create(body, { name: 'cli' })))
    : ((await callOnce(api, 'POST', INTEGRATIONS_API_PATH, body)) as IntegrationJson);
  print(options, created, () => `integration ${created.guid} created\n${renderIntegration(created)}`);
}

/** `roleport integrations delete <guid>`: its content associations and viewer grants go with it. */
export async function runIntegrationDelete(options: IntegrationOptions): Promise<void> {
  const api = apiClientOf(options);
  if (api === undefined) await withServices(options, (services) => services.integrations.integrations.delete(options.guid, { name: 'cli' }));
  else await callOnce(api, 'DELETE', `${INTEGRATIONS_API_PATH}/${encodeURIComponent(options.guid)}`);
  print(options, { guid: options.guid, deleted: true }, () => `integration ${options.guid} deleted`);
}

/**
 * `roleport integrations access <guid>`: who may use the integration, the content on its access
 * list. Without options it shows it; `--set` replaces it, `--add` / `--remove` change it (admins).
 */
export async function runIntegrationAccess(options: IntegrationAccessOptions): Promise<void> {
  const changes = [options.set, options.add, options.remove].filter((value) => value !== undefined).length;
  if (options.set !== undefined && changes > 1) throw new UsageError('--set replaces the list; it cannot be combined with --add or --remove');
  const api = apiClientOf(options);
  const path = `${INTEGRATIONS_API_PATH}/${encodeURIComponent(options.guid)}/access`;
  let list = api === undefined
    ? await withServices(options, async (services) => (await services.integrations.access.list(options.guid)).map(toAccessJson))
    : ((await callOnce(api, 'GET', path)) as IntegrationAccessJson[]);
  if (changes > 0) {
    const current = list.map((entry) => entry.content_guid);
    const removed = parseGuidList(options.remove);
    const wanted = options.set !== undefined ? parseGuidList(options.set) : [...current.filter((c) => !removed.includes(c)), ...parseGuidList(options.add).filter((c) => !current.includes(c))];
    list = api === undefined
      ? await withServices(options, async (services) => (await services.integrations.access.set(options.guid, wanted, { name: 'cli' })).map(toAccessJson))
      : ((await callOnce(api, 'PUT', path, wanted.map((contentGuid) => ({ content_guid: contentGuid })))) as IntegrationAccessJson[]);
  }
  print(options, list, () =>
    list.length === 0 ? 'no content may use this integration' : table(['CONTENT', 'GRANTED', 'BY'], list.map((entry) => [entry.content_guid, entry.granted_time, entry.granted_by])),
  );
}

function bodyFromFlags(flags: IntegrationCreateOptions): Record<string, unknown> {
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
  return nonEmptyEnv(CLIENT_SECRET_ENV);
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
