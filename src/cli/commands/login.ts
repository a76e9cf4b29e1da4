import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import {
  createBrokerClient,
  defaultCredentialsPath,
  loginWithLoopbackRedirect,
  readCliCredentials,
  removeCliCredentials,
  resolveBrokerUrl,
  writeCliCredentials,
} from '../../client/index.ts';
import { print } from '../output.ts';
import { parseSecondsFlag } from './agent.ts';

interface LoginFlags {
  url?: string;
  browser?: boolean;
  timeout?: string;
  json?: boolean;
}

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('sign in to a broker through your browser (loopback redirect) and keep a user API token for the CLI')
    .option('--url <url>', 'the broker (default env ROLEPORT_URL, else the one you last signed in to)')
    .option('--no-browser', 'only print the URL to open')
    .option('--timeout <seconds>', 'how long to wait for the browser (default 300)')
    .option('--json', 'print {url, username, expires_at}')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<LoginFlags>();
      const timeoutSeconds = parseSecondsFlag('--timeout', flags.timeout) ?? 300;
      const path = defaultCredentialsPath();
      const previous = safeRead(path);
      const client = createBrokerClient({ baseUrl: resolveBrokerUrl(flags.url, process.env, previous?.url) });
      const result = await loginWithLoopbackRedirect({
        client,
        timeoutMs: timeoutSeconds * 1000,
        onLoginUrl: (url, userCode) => {
          process.stderr.write(`Open this URL in a browser to sign in:\n\n  ${url}\n\nThe page asks you to confirm; it must show the code ${userCode}\n\n`);
          if (flags.browser !== false) openBrowser(url);
        },
      });
      writeCliCredentials(path, { url: client.baseUrl, token: result.token, username: result.username, expiresAt: result.expiresAt });
      const expiresAt = result.expiresAt === null ? null : new Date(result.expiresAt).toISOString();
      print({ json: flags.json === true }, { url: client.baseUrl, username: result.username, expires_at: expiresAt, credentials_file: path }, () =>
        `signed in to ${client.baseUrl} as ${result.username}${expiresAt === null ? '' : ` until ${expiresAt}`} (${path})`,
      );
    });

  program
    .command('logout')
    .description('forget the CLI\'s user API token')
    .option('--json', 'print {signed_out, credentials_file}')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ json?: boolean }>();
      const path = defaultCredentialsPath();
      const removed = removeCliCredentials(path);
      print({ json: flags.json === true }, { signed_out: removed, credentials_file: path }, () => (removed ? `signed out (removed ${path})` : 'not signed in'));
    });
}

function safeRead(path: string): ReturnType<typeof readCliCredentials> {
  try {
    return readCliCredentials(path);
  } catch {
    return undefined;
  }
}

/**
 * Hands the URL to `$BROWSER` when one is configured; nothing is guessed, and a failure is
 * harmless because the URL is printed anyway.
 */
function openBrowser(url: string): void {
  const browser = process.env['BROWSER'];
  if (browser === undefined || browser.trim() === '') return;
  try {
    const child = spawn(browser, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // The printed URL is the fallback.
  }
}
