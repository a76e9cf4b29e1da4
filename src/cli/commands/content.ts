import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
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
import { CommandExitStatus } from './agent.ts';
import { apiTargetOf, callApi, guidList, type ApiFlags, type ApiTarget } from './integrations.ts';

interface ContentFlags extends ApiFlags {
  name?: string;
  title?: string;
  upstreamUrl?: string;
  set?: string;
  dir?: string;
}

interface AssociationJson {
  oauth_integration_guid: string;
  oauth_integration_name: string;
  oauth_integration_auth_type: string;
}

const CLI = { name: 'cli' };

/**
 * `roleport content …`: the content registry (create → guid, list, show, delete), which
 * integrations content uses, its content session token, and `content run`, which starts
 * content the way the publishing server does: `CONNECT_CONTENT_SESSION_TOKEN(_FILE)` in its
 * environment, the file kept fresh while it runs. Through a running broker with an API key
 * (`--url`/`--api-key`), or on the data directory / database.
 */
export function registerContentCommands(program: Command): void {
  const group = program.command('content').description('published content: registry, integrations, content session tokens');
  const withApi = (command: Command): Command =>
    command
      .option('--url <url>', 'a running broker (default env ROLEPORT_URL when an API key is given)')
      .option('--api-key <key>', 'API key for --url (default env ROLEPORT_API_KEY); without one, the data directory is used')
      .option('--json', 'print JSON');

  withApi(
    group
      .command('create')
      .description('register content; prints its guid')
      .requiredOption('--name <name>', 'unique name (letters, digits, ._-)')
      .option('--title <title>', 'title shown to viewers')
      .option('--upstream-url <url>', 'where the broker proxies viewers of /content/<guid>/ to'),
  ).action(async (_options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ContentFlags>();
    const target = apiTargetOf(flags);
    const created = target === undefined
      ? await withServices(flags, async (services) => toContentJson(await services.integrations.content.create({ name: flags.name!, title: flags.title, upstreamUrl: flags.upstreamUrl, actor: CLI })))
      : ((await callApi(target, 'POST', '/__api__/v1/content', { name: flags.name, ...(flags.title === undefined ? {} : { title: flags.title }), ...(flags.upstreamUrl === undefined ? {} : { upstream_url: flags.upstreamUrl }) })) as ContentJson);
    print({ json: flags.json === true }, created, () => created.guid);
  });

  withApi(group.command('list').description('list content')).action(async (_options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ContentFlags>();
    const target = apiTargetOf(flags);
    const list = target === undefined
      ? await withServices(flags, async (services) => (await services.integrations.content.list()).map(toContentJson))
      : ((await callApi(target, 'GET', '/__api__/v1/content')) as ContentJson[]);
    print({ json: flags.json === true }, list, () =>
      list.length === 0 ? 'no content' : table(['GUID', 'NAME', 'UPSTREAM', 'CREATED'], list.map((c) => [c.guid, c.name, c.upstream_url ?? '-', c.created_time])),
    );
  });

  withApi(group.command('show <guid>').description('show content')).action(async (guid: string, _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ContentFlags>();
    const target = apiTargetOf(flags);
    const content = target === undefined
      ? await withServices(flags, async (services) => toContentJson(await services.integrations.content.get(guid)))
      : ((await callApi(target, 'GET', `/__api__/v1/content/${encodeURIComponent(guid)}`)) as ContentJson);
    print({ json: flags.json === true }, content, () => Object.entries(content).map(([k, v]) => `${k}: ${v ?? '-'}`).join('\n'));
  });

  withApi(group.command('delete <guid>').description('remove content from the registry')).action(async (guid: string, _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ContentFlags>();
    const target = apiTargetOf(flags);
    if (target === undefined) await withServices(flags, (services) => services.integrations.content.delete(guid, CLI));
    else await callApi(target, 'DELETE', `/__api__/v1/content/${encodeURIComponent(guid)}`);
    print({ json: flags.json === true }, { guid, deleted: true }, () => `content ${guid} deleted`);
  });

  withApi(
    group
      .command('integrations <guid>')
      .description('show the integrations content uses; --set replaces them')
      .option('--set <guids>', 'comma-separated integration guids ("" removes all)'),
  ).action(async (guid: string, _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ContentFlags>();
    const target = apiTargetOf(flags);
    const path = `/__api__/v1/content/${encodeURIComponent(guid)}/oauth/integrations/associations`;
    const wanted = flags.set === undefined ? undefined : guidList(flags.set);
    const list = target === undefined
      ? await withServices(flags, async (services) =>
          (wanted === undefined ? await services.integrations.content.associations(guid) : await services.integrations.content.setAssociations(guid, wanted, CLI)).map(toAssociationJson),
        )
      : ((wanted === undefined ? await callApi(target, 'GET', path) : await callApi(target, 'PUT', path, wanted.map((g) => ({ oauth_integration_guid: g })))) as AssociationJson[]);
    print({ json: flags.json === true }, list, () =>
      list.length === 0 ? 'no integrations' : table(['INTEGRATION', 'NAME', 'AUTH TYPE'], list.map((a) => [a.oauth_integration_guid, a.oauth_integration_name, a.oauth_integration_auth_type])),
    );
  });

  withApi(group.command('token <guid>').description('print a content session token (sub content:<guid>)')).action(async (guid: string, _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ContentFlags>();
    const target = apiTargetOf(flags);
    const issued = target === undefined
      ? await withServices(flags, (services) => services.integrations.issueContentSessionToken(guid, CLI))
      : await tokenFromApi(target, guid);
    print({ json: flags.json === true }, { token: issued.token, issued_time: formatWireTime(issued.issuedAt), expires_time: formatWireTime(issued.expiresAt) }, () => issued.token);
  });

  withApi(
    group
      .command('run <guid>')
      .description('run COMMAND as the content: CONNECT_CONTENT_SESSION_TOKEN(_FILE) set, the file refreshed at 80% of the token\'s life')
      .usage('<guid> [options] -- <command> [args…]')
      .option('--dir <dir>', 'directory of the token file (default a temporary one, removed at the end)')
      .argument('<command...>', 'the command to run, after --'),
  ).action(async (guid: string, commandLine: string[], _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ContentFlags>();
    if (commandLine.length === 0) throw new UsageError('content run: give the command after --');
    const target = apiTargetOf(flags);
    const source = target === undefined ? await dataDirectorySource(flags, guid) : { issue: () => tokenFromApi(target, guid), brokerUrl: target.url, close: async () => {} };
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
      ROLEPORT_CONTENT_GUID: guid,
    };
    // The content authenticates with its session token; the operator's API key stays with the operator.
    delete env['ROLEPORT_API_KEY'];
    const code = await runChild(commandLine, env);
    file.stop();
    await source.close();
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    if (code !== 0) throw new CommandExitStatus(code);
  });
}

async function tokenFromApi(target: ApiTarget, guid: string): Promise<IssuedSessionToken> {
  const body = (await callApi(target, 'POST', `/__api__/v1/content/${encodeURIComponent(guid)}/session-token`)) as { token: string; issued_time: string; expires_time: string };
  return { token: body.token, issuedAt: Date.parse(body.issued_time), expiresAt: Date.parse(body.expires_time) };
}

/** Tokens minted on the data directory, for as long as the content runs. */
async function dataDirectorySource(flags: ContentFlags, guid: string) {
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
