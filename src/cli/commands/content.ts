import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { systemClock } from '../../core/index.ts';
import {
  CONTENT_SESSION_TOKEN_ENV,
  CONTENT_SESSION_TOKEN_FILE_ENV,
  formatWireTime,
  startContentTokenFile,
  toAssociationJson,
  toContentJson,
  type ContentJson,
  type IssuedSessionToken,
} from '../../integrations/index.ts';
import { createServices } from '../../services.ts';
import { createLogger } from '../../logger.ts';
import { configFromFlags, withServices } from '../context.ts';
import { runChild } from '../run-child.ts';
import { UsageError, print, table } from '../output.ts';
import { CommandExitStatus } from '../exit-status.ts';
import { apiClientOf, callOnce, type ApiFlags } from '../api-target.ts';
import { parseGuidList } from '../flags.ts';
import type { ApiKeyClient } from '../../client/index.ts';

export interface ContentOptions extends ApiFlags {
  guid: string;
}

export interface ContentCreateOptions extends ApiFlags {
  name: string;
  title?: string | undefined;
  upstreamUrl?: string | undefined;
}

export interface ContentIntegrationsOptions extends ContentOptions {
  /** Comma-separated integration guids that replace the current ones ("" removes all). */
  set?: string | undefined;
}

export interface ContentRunOptions extends ContentOptions {
  /** The command and its arguments, after `--`. */
  commandLine: string[];
  /** Directory of the token file (default a temporary one, removed at the end). */
  dir?: string | undefined;
}

interface AssociationJson {
  oauth_integration_guid: string;
  oauth_integration_name: string;
  oauth_integration_auth_type: string;
}

const CLI = { name: 'cli' };

/*
 * `roleport content …`: the content registry (create → guid, list, show, delete), which
 * integrations content uses, its content session token, and `content run`, which starts
 * content the way the publishing server does: `CONNECT_CONTENT_SESSION_TOKEN(_FILE)` in its
 * environment, the file kept fresh while it runs. Through a running broker with an API key
 * (`--url`/`--api-key`), or on the data directory / database.
 */
/** `roleport content …`: register content; prints its guid. */
export async function runContentCreate(flags: ContentCreateOptions): Promise<void> {
  const api = apiClientOf(flags);
  const created = api === undefined
    ? await withServices(flags, async (services) => toContentJson(await services.integrations.content.create({ name: flags.name, title: flags.title, upstreamUrl: flags.upstreamUrl, actor: CLI })))
    : ((await callOnce(api, 'POST', '/__api__/v1/content', { name: flags.name, ...(flags.title === undefined ? {} : { title: flags.title }), ...(flags.upstreamUrl === undefined ? {} : { upstream_url: flags.upstreamUrl }) })) as ContentJson);
  print(flags, created, () => created.guid);
}

/** `roleport content …`: list content. */
export async function runContentList(flags: ApiFlags): Promise<void> {
  const api = apiClientOf(flags);
  const list = api === undefined
    ? await withServices(flags, async (services) => (await services.integrations.content.list()).map(toContentJson))
    : ((await callOnce(api, 'GET', '/__api__/v1/content')) as ContentJson[]);
  print(flags, list, () =>
    list.length === 0 ? 'no content' : table(['GUID', 'NAME', 'UPSTREAM', 'CREATED'], list.map((c) => [c.guid, c.name, c.upstream_url ?? '-', c.created_time])),
  );
}

/** `roleport content …`: show content. */
export async function runContentShow(flags: ContentOptions): Promise<void> {
  const api = apiClientOf(flags);
  const content = api === undefined
    ? await withServices(flags, async (services) => toContentJson(await services.integrations.content.get(flags.guid)))
    : ((await callOnce(api, 'GET', `/__api__/v1/content/${encodeURIComponent(flags.guid)}`)) as ContentJson);
  print(flags, content, () => Object.entries(content).map(([k, v]) => `${k}: ${v ?? '-'}`).join('\n'));
}

/** `roleport content …`: remove content from the registry. */
export async function runContentDelete(flags: ContentOptions): Promise<void> {
  const api = apiClientOf(flags);
  if (api === undefined) await withServices(flags, (services) => services.integrations.content.delete(flags.guid, CLI));
  else await callOnce(api, 'DELETE', `/__api__/v1/content/${encodeURIComponent(flags.guid)}`);
  print(flags, { guid: flags.guid, deleted: true }, () => `content ${flags.guid} deleted`);
}

/** `roleport content …`: the integrations content uses; `set` replaces them. */
export async function runContentIntegrations(flags: ContentIntegrationsOptions): Promise<void> {
  const api = apiClientOf(flags);
  const path = `/__api__/v1/content/${encodeURIComponent(flags.guid)}/oauth/integrations/associations`;
  const wanted = flags.set === undefined ? undefined : parseGuidList(flags.set);
  const list = api === undefined
    ? await withServices(flags, async (services) =>
        (wanted === undefined ? await services.integrations.content.associations(flags.guid) : await services.integrations.content.setAssociations(flags.guid, wanted, CLI)).map(toAssociationJson),
      )
    : ((wanted === undefined ? await callOnce(api, 'GET', path) : await callOnce(api, 'PUT', path, wanted.map((g) => ({ oauth_integration_guid: g })))) as AssociationJson[]);
  print(flags, list, () =>
    list.length === 0 ? 'no integrations' : table(['INTEGRATION', 'NAME', 'AUTH TYPE'], list.map((a) => [a.oauth_integration_guid, a.oauth_integration_name, a.oauth_integration_auth_type])),
  );
}

/** `roleport content …`: print a content session token (sub content:<guid>). */
export async function runContentToken(flags: ContentOptions): Promise<void> {
  const api = apiClientOf(flags);
  const issued = api === undefined
    ? await withServices(flags, (services) => services.integrations.issueContentSessionToken(flags.guid, CLI))
    : await tokenOnce(api, flags.guid);
  print(flags, { token: issued.token, issued_time: formatWireTime(issued.issuedAt), expires_time: formatWireTime(issued.expiresAt) }, () => issued.token);
}

/** `roleport content …`: run a command as the content, its session token file kept fresh. */
export async function runContentRun(flags: ContentRunOptions): Promise<void> {
  if (flags.commandLine.length === 0) throw new UsageError('content run: give the command after --');
  const api = apiClientOf(flags);
  const source = api === undefined ? await dataDirectorySource(flags, flags.guid) : apiSource(api, flags.guid);
  const ownsDir = flags.dir === undefined;
  const dir = flags.dir === undefined ? mkdtempSync(join(tmpdir(), 'roleport-content-')) : resolve(flags.dir);
  const path = join(dir, 'content-session-token');
  let file;
  try {
    file = await startContentTokenFile({
      path,
      issue: source.issue,
      clock: systemClock,
      onError: (error, retryInMs) => process.stderr.write(`roleport: refreshing the content session token failed (${(error as Error).message}); retrying in ${Math.round(retryInMs / 1000)} s\n`),
    });
  } catch (error) {
    await source.close();
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [CONTENT_SESSION_TOKEN_ENV]: file.current().token,
    [CONTENT_SESSION_TOKEN_FILE_ENV]: path,
    CONNECT_SERVER: source.brokerUrl,
    ROLEPORT_URL: source.brokerUrl,
    ROLEPORT_CONTENT_GUID: flags.guid,
  };
  // The content authenticates with its session token; the operator's API key stays with the operator.
  delete env['ROLEPORT_API_KEY'];
  const code = await runChild(flags.commandLine, env);
  file.stop();
  await source.close();
  if (ownsDir) rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new CommandExitStatus(code);
}

async function tokenFromApi(api: ApiKeyClient, guid: string): Promise<IssuedSessionToken> {
  const body = (await api.call('POST', `/__api__/v1/content/${encodeURIComponent(guid)}/session-token`)) as { token: string; issued_time: string; expires_time: string };
  return { token: body.token, issuedAt: Date.parse(body.issued_time), expiresAt: Date.parse(body.expires_time) };
}

async function tokenOnce(api: ApiKeyClient, guid: string): Promise<IssuedSessionToken> {
  try {
    return await tokenFromApi(api, guid);
  } finally {
    api.close();
  }
}

/** Tokens from the running broker's API, for as long as the content runs. */
function apiSource(api: ApiKeyClient, guid: string) {
  return { issue: () => tokenFromApi(api, guid), brokerUrl: api.baseUrl, close: async () => api.close() };
}

/** Tokens minted on the data directory, for as long as the content runs. */
async function dataDirectorySource(flags: ApiFlags, guid: string) {
  const config = configFromFlags(flags);
  const services = await createServices(config, { logger: createLogger(process.env['ROLEPORT_LOG_LEVEL'] ?? 'warn') });
  try {
    await services.integrations.content.get(guid);
  } catch (error) {
    await services.close();
    throw error;
  }
  return {
    issue: () => services.integrations.issueContentSessionToken(guid, CLI),
    brokerUrl: config.issuer,
    close: () => services.close(),
  };
}
