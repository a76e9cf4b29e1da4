import { spawn } from 'node:child_process';
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

export interface LoginOptions {
  url?: string | undefined;
  /** false: only print the URL to open. */
  browser: boolean;
  /** How long to wait for the browser (default 300). */
  timeoutSeconds?: number | undefined;
  json: boolean;
}

/** `roleport login`: signs in through the browser (loopback redirect) and keeps a user API token for the CLI. */
export async function runLogin(options: LoginOptions): Promise<void> {
  const timeoutSeconds = options.timeoutSeconds ?? 300;
  const path = defaultCredentialsPath();
  const previous = safeRead(path);
  const client = createBrokerClient({ baseUrl: resolveBrokerUrl(options.url, process.env, previous?.url) });
  // Before anyone opens a browser: a wrong --url fails now, not after the sign-in timeout.
  await client.checkReachable();
  const result = await loginWithLoopbackRedirect({
    client,
    timeoutMs: timeoutSeconds * 1000,
    onLoginUrl: (url, userCode) => {
      process.stderr.write(`Open this URL in a browser to sign in:\n\n  ${url}\n\nThe page asks you to confirm; it must show the code ${userCode}\n\n`);
      if (options.browser) openBrowser(url);
    },
  });
  writeCliCredentials(path, { url: client.baseUrl, token: result.token, username: result.username, expiresAt: result.expiresAt });
  const expiresAt = result.expiresAt === null ? null : new Date(result.expiresAt).toISOString();
  print(options, { url: client.baseUrl, username: result.username, expires_at: expiresAt, credentials_file: path }, () =>
    `signed in to ${client.baseUrl} as ${result.username}${expiresAt === null ? '' : ` until ${expiresAt}`} (${path})`,
  );
}

/** `roleport logout`: forgets the CLI's user API token. */
export function runLogout(options: { json: boolean }): void {
  const path = defaultCredentialsPath();
  const removed = removeCliCredentials(path);
  print(options, { signed_out: removed, credentials_file: path }, () => (removed ? `signed out (removed ${path})` : 'not signed in'));
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
