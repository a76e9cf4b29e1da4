import { rmSync } from 'node:fs';
import { RoleportError } from '../core/index.ts';
import type { MasterKeyResult } from './master-key.ts';
import type { Sealer } from './sealer.ts';

/** The settings row that holds the sealed marker. */
export const MASTER_KEY_CHECK = 'master_key_check';

/** Where the marker is kept: the store's settings repository satisfies it. */
export interface MasterKeyCheckStorage {
  /** Stores `value` under `key` unless a value is there; returns the stored one. */
  setIfAbsent(key: string, value: string, now: number): Promise<string>;
}

/**
 * Proves at start-up that the master key is the one the data was sealed with: a marker
 * sealed with the first key is stored once, and every later start must open it
 * (`ERR_MASTER_KEY_MISMATCH` from the sealer otherwise).
 */
export async function verifyMasterKey(storage: MasterKeyCheckStorage, sealer: Sealer, now: number): Promise<void> {
  const stored = await storage.setIfAbsent(MASTER_KEY_CHECK, sealer.seal('roleport', `settings:${MASTER_KEY_CHECK}`), now);
  sealer.openText(stored, `settings:${MASTER_KEY_CHECK}`);
}

/**
 * When the check fails right after a key was generated, the database already holds secrets
 * sealed with another key, so nothing was sealed with the new one: it is removed, leaving
 * the data directory as it was, and the error says which key to restore. Other failures
 * come back unchanged.
 */
export function explainMasterKeyFailure(masterKey: MasterKeyResult, error: unknown): unknown {
  if (masterKey.source !== 'generated' || !(error instanceof RoleportError) || error.code !== 'ERR_MASTER_KEY_MISMATCH') return error;
  rmSync(masterKey.path!, { force: true });
  return new RoleportError(
    'ERR_MASTER_KEY_MISMATCH',
    `the database holds secrets sealed with a master key that was not given: set ROLEPORT_MASTER_KEY or restore ${masterKey.path}`,
    { cause: error },
  );
}
