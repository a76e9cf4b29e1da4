import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleInteraction, isSessionNotFound } from './interactions.ts';
import { htmlEscape, page, serveStaticFile, type LoginFormText } from './pages.ts';
import { createProvider, keepOfflineAccess, type ProviderOptions } from './provider.ts';
import type { IdpUser } from './types.ts';

export interface OidcServerOptions extends ProviderOptions {
  users: readonly IdpUser[];
  /** Defaults to a free port. */
  port?: number | undefined;
  /** Text of the login form. */
  loginForm: LoginFormText;
  /**
   * Sees every request first; returning true means it answered (the test IdP's outages).
   * Without it every request goes to the provider.
   */
  intercept?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
}

/** A running IdP on `http://127.0.0.1:PORT`. */
export interface OidcServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  issuer: string;
  /** Adds or replaces a user; tokens issued later (including on refresh) carry the new claims. */
  setUser(user: IdpUser): void;
  /** Removes a user; refreshing their tokens then fails with `invalid_grant`. */
  removeUser(username: string): void;
  /** Drops idle keep-alive connections, so clients reconnect (and meet a changed `intercept`). */
  closeIdleConnections(): void;
  close(): Promise<void>;
}

/**
 * Starts an `oidc-provider` on loopback with the login form and automatic consent: the core
 * shared by `roleport dev`'s demo IdP and the tests' IdP.
 */
export async function startOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  const users = new Map(options.users.map((user) => [user.username, user]));
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    if (options.intercept?.(req, res) === true) return;
    if (serveStaticFile(req, res)) return;
    if (!handle) {
      res.writeHead(503).end();
      return;
    }
    handle(req, res);
  });
  // The issuer must carry the real port, so listen before the provider is built.
  await listen(server, options.port ?? 0);
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    const provider = await createProvider(issuer, options, users);
    const callback = provider.callback();
    handle = (req, res) => {
      const url = new URL(req.url ?? '/', issuer);
      if (req.method === 'GET' && url.pathname === '/auth' && keepOfflineAccess(url.searchParams)) {
        req.url = `${url.pathname}${url.search}`;
      }
      const interaction = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/.exec(url.pathname);
      if (!interaction) {
        callback(req, res);
        return;
      }
      handleInteraction(provider, users, req, res, interaction[2], options.loginForm).catch((error: unknown) => {
        if (!res.headersSent) {
          const status = isSessionNotFound(error) ? 400 : 500;
          res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
        }
        res.end(page('Sign-in failed', `<h1>Sign-in failed</h1><p class="notice error" id="interaction-error">${htmlEscape(String(error))}</p>`));
      });
    };
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  return {
    issuer,
    setUser(user) {
      users.set(user.username, user);
    },
    removeUser(username) {
      users.delete(username);
    },
    closeIdleConnections: () => server.closeIdleConnections(),
    close: () => closeServer(server),
  };
}

async function listen(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
