import type { Command } from 'commander';
import type { ApiFlags } from '../api-target.ts';
import { CLIENT_SECRET_ENV, safeText } from '../flags.ts';
import { configFlags } from './admin.ts';

/*
 * The commands for published content: `integrations` and `content`, through a running
 * broker's API with an API key (`--url`/`--api-key`), or on the data directory / database.
 */

function apiFlags(command: Command): ApiFlags {
  const { url, apiKey, json } = command.optsWithGlobals<{ url?: string; apiKey?: string; json?: boolean }>();
  return { ...configFlags(command), url, apiKey, json: json === true };
}

/** `--url`, `--api-key` and `--json`: through a running broker's API, or on the data directory. */
function withApiOptions(command: Command, keyKind: string, jsonHelp: string): Command {
  return command
    .option('--url <url>', 'a running broker (default env ROLEPORT_URL when an API key is given)')
    .option('--api-key <key>', `${keyKind} for --url (default env ROLEPORT_API_KEY); without one, the data directory is used`)
    .option('--json', jsonHelp);
}

export function defineIntegrationCommands(program: Command): void {
  const group = program.command('integrations').description('OAuth integrations of published content (the /__api__/v1/oauth/integrations API)');
  const withApi = (command: Command): Command => withApiOptions(command, 'admin API key', 'print JSON as the API returns it');
  const load = () => import('../commands/integrations.ts');

  withApi(group.command('list').description('list integrations')).action(async (_options: unknown, command: Command) => (await load()).runIntegrationList(apiFlags(command)));

  withApi(group.command('show <guid>').description('show one integration (never its client secret)')).action(async (guid: string, _options: unknown, command: Command) =>
    (await load()).runIntegrationShow({ ...apiFlags(command), guid }),
  );

  withApi(
    group
      .command('create')
      .description('create an integration (template aws); prints it, with its guid')
      .option('--from-json <file>', 'the whole request body as JSON ({template, name, description, config}); - reads stdin')
      .option('--name <name>', 'name', safeText('--name', { maxLength: 255 }))
      .option('--description <text>', 'description (may span lines)', safeText('--description', { maxLength: 4096, kind: 'multiline' }))
      .option('--auth-type <type>', '"Service Account" or "Viewer"', safeText('--auth-type', { maxLength: 32 }))
      .option('--role-arn <arn>', 'IAM role the credentials are for', safeText('--role-arn', { maxLength: 2048 }))
      .option('--sts-region <region>', 'region of the STS call', safeText('--sts-region', { maxLength: 32 }))
      .option('--session-duration <seconds>', 'DurationSeconds, 900-43200')
      .option('--audience <aud>', 'Service Account: aud of the broker-signed token; Viewer: audience sent to the IdP', safeText('--audience', { maxLength: 255 }))
      .option('--auth-mode <mode>', 'Viewer: Confidential or Public', safeText('--auth-mode', { maxLength: 32 }))
      .option('--client-id <id>', 'Viewer: client ID at the IdP', safeText('--client-id', { maxLength: 255 }))
      .option('--client-secret-file <file>', `Viewer: file holding the client secret (or env ${CLIENT_SECRET_ENV})`)
      .option('--authorization-uri <url>', 'Viewer: the IdP\'s authorization endpoint', safeText('--authorization-uri', { maxLength: 2048 }))
      .option('--token-uri <url>', 'Viewer: the IdP\'s token endpoint', safeText('--token-uri', { maxLength: 2048 }))
      .option('--token-endpoint-auth-method <method>', 'Viewer: client_secret_basic, client_secret_post or none', safeText('--token-endpoint-auth-method', { maxLength: 32 }))
      .option('--scopes <scopes>', 'Viewer: space-separated, with openid and offline_access', safeText('--scopes', { maxLength: 1024 }))
      .option('--no-pkce', 'Viewer: send no PKCE challenge (use_pkce false)'),
  ).action(async (options: Record<string, string | boolean | undefined>, command: Command) => (await load()).runIntegrationCreate({ ...options, ...apiFlags(command) }));

  withApi(group.command('delete <guid>').description('delete an integration (its content associations and viewer grants go with it)')).action(async (guid: string, _options: unknown, command: Command) =>
    (await load()).runIntegrationDelete({ ...apiFlags(command), guid }),
  );

  withApi(
    group
      .command('access <guid>')
      .description('who may use the integration: the content on its access list (admins change it); without options, show it')
      .option('--set <content-guids>', 'replace the list: comma-separated content guids ("" empties it)')
      .option('--add <content-guids>', 'grant these content items (comma-separated)')
      .option('--remove <content-guids>', 'withdraw these (comma-separated): their credentials stop at the next exchange'),
  ).action(async (guid: string, options: { set?: string; add?: string; remove?: string }, command: Command) =>
    (await load()).runIntegrationAccess({ ...apiFlags(command), guid, set: options.set, add: options.add, remove: options.remove }),
  );
}

/**
 * `roleport content …`: the content registry (create → guid, list, show, delete), which
 * integrations content uses, its content session token, and `content run`, which starts
 * content the way the publishing server does: `CONNECT_CONTENT_SESSION_TOKEN(_FILE)` in its
 * environment, the file kept fresh while it runs.
 */
export function defineContentCommands(program: Command): void {
  const group = program.command('content').description('published content: registry, integrations, content session tokens');
  const withApi = (command: Command): Command => withApiOptions(command, 'API key', 'print JSON');
  const load = () => import('../commands/content.ts');

  withApi(
    group
      .command('create')
      .description('register content; prints its guid')
      .requiredOption('--name <name>', 'unique name (letters, digits, ._-)', safeText('--name', { maxLength: 64 }))
      .option('--title <title>', 'title shown to viewers', safeText('--title', { minLength: 1, maxLength: 255 }))
      .option('--upstream-url <url>', 'where the broker proxies viewers of /content/<guid>/ to', safeText('--upstream-url', { maxLength: 2048 })),
  ).action(async (options: { name: string; title?: string; upstreamUrl?: string }, command: Command) =>
    (await load()).runContentCreate({ ...apiFlags(command), name: options.name, title: options.title, upstreamUrl: options.upstreamUrl }),
  );

  withApi(group.command('list').description('list content')).action(async (_options: unknown, command: Command) => (await load()).runContentList(apiFlags(command)));

  withApi(group.command('show <guid>').description('show content')).action(async (guid: string, _options: unknown, command: Command) => (await load()).runContentShow({ ...apiFlags(command), guid }));

  withApi(group.command('delete <guid>').description('remove content from the registry')).action(async (guid: string, _options: unknown, command: Command) =>
    (await load()).runContentDelete({ ...apiFlags(command), guid }),
  );

  withApi(
    group
      .command('integrations <guid>')
      .description('show the integrations content uses; --set replaces them')
      .option('--set <guids>', 'comma-separated integration guids ("" removes all)', safeText('--set', { maxLength: 4096 })),
  ).action(async (guid: string, options: { set?: string }, command: Command) => (await load()).runContentIntegrations({ ...apiFlags(command), guid, set: options.set }));

  withApi(group.command('token <guid>').description('print a content session token (sub content:<guid>)')).action(async (guid: string, _options: unknown, command: Command) =>
    (await load()).runContentToken({ ...apiFlags(command), guid }),
  );

  withApi(
    group
      .command('run <guid>')
      .description('run COMMAND as the content: CONNECT_CONTENT_SESSION_TOKEN(_FILE) set, the file refreshed at 80% of the token\'s life')
      .usage('<guid> [options] -- <command> [args…]')
      .option('--dir <dir>', 'directory of the token file (default a temporary one, removed at the end)')
      .argument('<command...>', 'the command to run, after --'),
  ).action(async (guid: string, commandLine: string[], options: { dir?: string }, command: Command) =>
    (await load()).runContentRun({ ...apiFlags(command), guid, commandLine, dir: options.dir }),
  );
}
