import { readFileSync } from 'node:fs';
import { RoleportError } from '../core/index.ts';
import { sessionEnvValue, sessionLayout } from './session-dir.ts';

export interface SessionCredentialLookup {
  /** A file holding the credential (`--session-credential-file`). */
  credentialFile?: string | undefined;
  /** A session directory written by the agent (`--session-dir`). */
  sessionDir?: string | undefined;
  env: NodeJS.ProcessEnv;
}

export interface FoundSessionCredential {
  credential: string;
  /** Where it came from, for messages. */
  source: string;
}

/**
 * The session credential of the session this process runs in, from (in order) an explicit
 * file, `ROLEPORT_SESSION_CREDENTIAL`, or the agent's directory (`--session-dir`, else
 * `ROLEPORT_SESSION_DIR`) where the agent keeps it in `session-credential`.
 */
export function findSessionCredential(lookup: SessionCredentialLookup): FoundSessionCredential {
  if (lookup.credentialFile !== undefined) return { credential: readCredential(lookup.credentialFile), source: lookup.credentialFile };
  const fromEnv = lookup.env['ROLEPORT_SESSION_CREDENTIAL']?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { credential: fromEnv, source: 'ROLEPORT_SESSION_CREDENTIAL' };
  const dir = lookup.sessionDir ?? lookup.env['ROLEPORT_SESSION_DIR'];
  if (dir !== undefined && dir !== '') {
    const file = sessionLayout(dir).credentialFile;
    return { credential: readCredential(file), source: file };
  }
  throw new RoleportError(
    'ERR_UNAUTHENTICATED',
    'no session credential: run this inside a session (roleport run, or an agent with ROLEPORT_SESSION_DIR) or set ROLEPORT_SESSION_CREDENTIAL',
  );
}

/** The session id inside a credential (`rps_<id>.<secret>`), or undefined. */
export function sessionIdOfCredential(credential: string): string | undefined {
  return /^rps_(ses_[A-Za-z0-9_-]+)\./.exec(credential)?.[1];
}

/** `--url`, else `ROLEPORT_URL`, else `fallback`; none → a usage-style error naming ROLEPORT_URL. */
export function resolveBrokerUrl(flag: string | undefined, env: NodeJS.ProcessEnv, fallback?: string): string {
  const url = flag ?? (env['ROLEPORT_URL'] !== undefined && env['ROLEPORT_URL'] !== '' ? env['ROLEPORT_URL'] : undefined) ?? fallback;
  if (url === undefined) throw new RoleportError('ERR_INPUT_INVALID', 'no broker URL: pass --url or set ROLEPORT_URL');
  return url;
}

/**
 * The broker of an in-session command: `--url`, else `ROLEPORT_URL`, else the one the agent
 * wrote into the session directory's env file (`--session-dir` alone is enough).
 */
export function resolveSessionBrokerUrl(flag: string | undefined, sessionDir: string | undefined, env: NodeJS.ProcessEnv): string {
  const dir = sessionDir ?? env['ROLEPORT_SESSION_DIR'];
  const fromDir = dir === undefined || dir === '' ? undefined : sessionEnvValue(dir, 'ROLEPORT_URL');
  return resolveBrokerUrl(flag, env, fromDir);
}

function readCredential(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RoleportError('ERR_UNAUTHENTICATED', `cannot read the session credential from ${file}: ${code ?? String(error)}`);
  }
  const credential = text.trim();
  if (credential === '') throw new RoleportError('ERR_UNAUTHENTICATED', `${file} is empty`);
  return credential;
}
