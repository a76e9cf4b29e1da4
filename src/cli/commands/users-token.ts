import { withServices, type ConfigFlags } from '../context.ts';
import { print } from '../output.ts';

export interface UserTokenCreateOptions extends ConfigFlags {
  username: string;
  ttlSeconds?: number | undefined;
  json: boolean;
}

/**
 * `roleport users token create <username>`: mints a user API token (`rpu_…`) directly on the
 * store, for a CLI or script that cannot sign in through a browser.
 */
export async function runUserTokenCreate(options: UserTokenCreateOptions): Promise<void> {
  const created = await withServices(options, (services) =>
    services.sessions.userTokens.create({ userName: options.username, ttlSeconds: options.ttlSeconds, actor: 'cli', description: 'roleport users token create' }),
  );
  const expiresAt = new Date(created.expiresAt).toISOString();
  print(options, { token: created.token, username: created.userName, expires_at: expiresAt }, () => created.token);
}
