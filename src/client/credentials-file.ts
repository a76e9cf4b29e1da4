import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { invalidInput, writeFileAtomically } from '../core/index.ts';
import { nonEmptyString, nullable, object, string } from './wire-shape.ts';

/** What `roleport login` stores: where the broker is and the user API token it issued. */
export interface CliCredentials {
  url: string;
  /** `rpu_…` user API token. */
  token: string;
  username: string;
  /** ms since the epoch, or null when the token does not expire. */
  expiresAt: number | null;
}

const fileShape = object({
  url: nonEmptyString,
  token: nonEmptyString,
  username: string,
  expires_at: nullable(string),
});

/**
 * `ROLEPORT_CREDENTIALS_FILE`, else `$XDG_CONFIG_HOME/roleport/credentials.json`, else
 * `~/.config/roleport/credentials.json`.
 */
export function defaultCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['ROLEPORT_CREDENTIALS_FILE'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const configHome = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return join(configHome, 'roleport', 'credentials.json');
}

/** The stored credentials, or undefined when nobody signed in; a garbled file is bad input. */
export function readCliCredentials(path: string): CliCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidInput(`${path}: not JSON; run roleport login again`);
  }
  let parsed;
  try {
    parsed = fileShape(json, '');
  } catch {
    throw invalidInput(`${path}: not a Roleport credentials file; run roleport login again`);
  }
  const expiresAt = parsed.expires_at === null ? null : Date.parse(parsed.expires_at);
  return { url: parsed.url, token: parsed.token, username: parsed.username, expiresAt: Number.isNaN(expiresAt) ? null : expiresAt };
}

/** Writes the file atomically, mode 0600, in a directory created 0700. */
export function writeCliCredentials(path: string, credentials: CliCredentials): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const wire = {
    url: credentials.url,
    token: credentials.token,
    username: credentials.username,
    expires_at: credentials.expiresAt === null ? null : new Date(credentials.expiresAt).toISOString(),
  };
  writeFileAtomically(path, `${JSON.stringify(wire, null, 2)}\n`, 0o600);
}

/** Removes the file; false when there was none. */
export function removeCliCredentials(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path, { force: true });
  return true;
}
