import { RoleportError } from '../core/index.ts';
import type { RoleportConfig } from './schema.ts';

/**
 * `mode: production` refuses the insecure conveniences development allows, each with one
 * line naming the key and what to do. The configuration's own are checked when it loads;
 * the master key's source is only known once `secrets/` has resolved it. (The demo IdP,
 * which only `roleport dev` starts, refuses production mode itself.)
 */
export function checkProductionConfig(config: RoleportConfig, issuer: string, source: string): void {
  if (config.mode !== 'production') return;
  if (issuer.startsWith('http://')) {
    throw new RoleportError('ERR_CONFIG_INVALID', `issuer: production mode needs an https:// issuer, AWS refuses ${issuer} (in ${source})`);
  }
  if (config.sso.enabled && config.sso.issuer?.startsWith('http://') === true) {
    throw new RoleportError('ERR_CONFIG_INVALID', `sso.issuer: production mode needs an https:// identity provider (got ${config.sso.issuer})`);
  }
  if (config.content.origin?.startsWith('http://') === true) {
    throw new RoleportError('ERR_CONFIG_INVALID', `content.origin: production mode needs an https:// content origin (in ${source})`);
  }
}

/** A master key generated into the data directory is one disk failure from losing every secret. */
export function checkProductionMasterKey(
  config: Pick<RoleportConfig, 'mode' | 'masterKeyBackupAcknowledged'>,
  masterKey: { source: 'provided' | 'generated' | 'file'; path?: string | undefined },
): void {
  if (config.mode === 'production' && masterKey.source !== 'provided' && !config.masterKeyBackupAcknowledged) {
    throw new RoleportError(
      'ERR_CONFIG_INVALID',
      `masterKeyBackupAcknowledged: production mode refuses a generated master key (${masterKey.path}) until you back it up and set masterKeyBackupAcknowledged: true, or provide ROLEPORT_MASTER_KEY`,
    );
  }
}
