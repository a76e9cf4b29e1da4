import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RoleportError } from '../core/index.ts';

export interface MasterKeyResult {
  key: Buffer;
  /** Where it came from: the environment/config, or a file in the data directory. */
  source: 'provided' | 'generated' | 'file';
  path?: string | undefined;
}

export const MASTER_KEY_FILE = 'master.key';

/**
 * Resolves the master key: a provided value (base64/base64url/hex of 32 bytes) wins;
 * otherwise `<dataDir>/master.key` is read, or generated with mode 0600 on first start.
 */
export function loadMasterKey(provided: string | undefined, dataDir: string): MasterKeyResult {
  if (provided !== undefined && provided.length > 0) return { key: decodeMasterKey(provided, 'ROLEPORT_MASTER_KEY'), source: 'provided' };
  const path = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new RoleportError('ERR_CONFIG_INVALID', `${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`);
    }
    return { key: decodeMasterKey(readFileSync(path, 'utf8').trim(), path), source: 'file', path };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // `wx` refuses to overwrite a key another process created a moment ago.
  try {
    writeFileSync(path, key.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadMasterKey(undefined, dataDir);
    throw error;
  }
  return { key, source: 'generated', path };
}

export function decodeMasterKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const candidates = [
    /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : undefined,
    Buffer.from(trimmed, 'base64url'),
    Buffer.from(trimmed, 'base64'),
  ];
  const key = candidates.find((candidate) => candidate !== undefined && candidate.length === 32);
  if (key === undefined) {
    throw new RoleportError('ERR_CONFIG_INVALID', `${origin}: master key must be 32 bytes, base64 or hex encoded (generate one with: openssl rand -base64 32)`);
  }
  return key;
}
