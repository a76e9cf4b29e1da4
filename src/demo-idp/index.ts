/**
 * The demo IdP of `roleport dev`: a real OpenID Provider (`oidc-provider`, panva) on
 * loopback with demo users (alice with two roles as an array claim, bob with one as a
 * string), `offline_access` with refresh-token rotation, PKCE, and a plain login form, so a
 * newcomer can sign in with no Okta at hand. The same core (`startOidcServer`) runs the
 * tests' IdP (test/helpers/test-idp.ts). Refused in `mode: production`.
 *
 * @see https://github.com/panva/node-oidc-provider
 * @see https://openid.net/specs/openid-connect-core-1_0.html
 */
import { RoleportError } from '../core/index.ts';
import { demoIdpUsers } from './demo-users.ts';
import { htmlEscape } from './pages.ts';
import { startOidcServer, type OidcServer } from './server.ts';
import type { IdpClient, IdpUser } from './types.ts';

export { startOidcServer, type OidcServer, type OidcServerOptions } from './server.ts';
export { DEMO_ROLE_ARNS, demoIdpUsers } from './demo-users.ts';
export type { IdpClient, IdpTtl, IdpUser } from './types.ts';
export type { LoginFormText } from './pages.ts';

export interface DemoIdpOptions {
  /** The broker's mode; `production` refuses to start a demo IdP. */
  mode: 'development' | 'production';
  /** The broker as a client (its redirect URI, a secret). */
  clients: IdpClient[];
  /** Defaults to `demoIdpUsers()`. */
  users?: IdpUser[];
  /** Defaults to a free port on 127.0.0.1. */
  port?: number;
}

export type DemoIdp = OidcServer;

/**
 * Starts the demo IdP on `http://127.0.0.1:PORT`; the login form lists the demo accounts.
 *
 * @example
 * const idp = await startDemoIdp({ mode: 'development', clients: [{ client_id: 'roleport-dev', client_secret, redirect_uris: [redirectUri] }] });
 */
export async function startDemoIdp(options: DemoIdpOptions): Promise<DemoIdp> {
  if (options.mode === 'production') {
    throw new RoleportError('ERR_CONFIG_INVALID', 'mode: production refuses the demo IdP; connect the company IdP with sso.issuer instead');
  }
  const users = options.users ?? demoIdpUsers();
  const accounts = users.map((user) => `<code>${htmlEscape(user.username)}</code> / <code>${htmlEscape(user.password)}</code>`).join(', ');
  return startOidcServer({
    clients: options.clients,
    users,
    port: options.port,
    loginForm: { name: 'Roleport demo IdP', note: `Demo accounts (username / password): ${accounts}` },
  });
}
