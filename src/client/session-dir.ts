import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A session directory as the agent writes it and the in-session commands read it
 * (docs/session-protocol.md): the one place that knows its file names and the format of
 * its `env` file.
 */
export interface SessionLayout {
  dir: string;
  /** The bare JWT of the session's first role, rotated (`AWS_WEB_IDENTITY_TOKEN_FILE`). */
  tokenFile: string;
  /**
   * One token file per role, `<dir>/tokens/<profile>`: each role's profile reads its own, since
   * a token's `sub` names the role it was minted for and other roles' trust policies refuse it.
   */
  roleTokenDir: string;
  /** `KEY=value` lines for the workload's environment. */
  envFile: string;
  /** AWS config with one profile per role (`AWS_CONFIG_FILE`). */
  awsConfigFile: string;
  /** The session credential, for in-session commands (`roleport idp token`, `credential-process`). */
  credentialFile: string;
  /** The container endpoint's `Authorization` value (`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`). */
  authorizationTokenFile: string;
  /** `credential-process`'s cache: one 0600 file per role, duration and STS endpoint. */
  credentialCacheDir: string;
}

export function sessionLayout(dir: string): SessionLayout {
  return {
    dir,
    tokenFile: join(dir, 'token'),
    roleTokenDir: join(dir, 'tokens'),
    envFile: join(dir, 'env'),
    awsConfigFile: join(dir, 'aws-config'),
    credentialFile: join(dir, 'session-credential'),
    authorizationTokenFile: join(dir, 'container-authorization-token'),
    credentialCacheDir: join(dir, 'credential-cache'),
  };
}

const PLAIN_VALUE = /^[\w@%+=:,./-]*$/;

/** `KEY=value` lines, each value single-quoted when it holds anything a shell would read specially. */
export function renderEnvFile(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([key, value]) => `${key}=${PLAIN_VALUE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`}`)
    .join('\n')
    .concat('\n');
}

/** The variables of an env file written by {@link renderEnvFile} (a shell's `.` reads it the same way). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    const raw = line.slice(equals + 1);
    // '…' with each ' written as '\'' (close, escaped quote, reopen).
    env[line.slice(0, equals)] = raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2 ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return env;
}

/** One variable of the session directory's env file, or undefined when the file or the variable is missing. */
export function sessionEnvValue(dir: string, name: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(sessionLayout(dir).envFile, 'utf8');
  } catch {
    return undefined;
  }
  const value = parseEnvFile(text)[name];
  return value === undefined || value === '' ? undefined : value;
}
