import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, constants as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../core/index.ts';
import type { SessionLayout } from './session-dir.ts';

/**
 * `credential-process`'s cache in the session directory. The AWS CLI and SDKs do not cache
 * process credentials: without it every `aws` command would pay a token exchange and an STS
 * call. One 0600 file per role, duration and STS endpoint; it is used while the credentials
 * are outside the SDKs' refresh window and only by the session that wrote it.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
 */

/** The `credential_process` output (Version 1). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  /** ISO 8601. */
  Expiration: string;
  AccountId?: string;
}

/** What the credentials were asked for: a different key is a different file. */
export interface CredentialCacheKey {
  roleArn: string;
  durationSeconds: number | undefined;
  stsEndpoint: string | undefined;
  region: string | undefined;
}

/**
 * The SDKs refresh credentials that expire within 15 minutes (botocore's advisory refresh, the
 * JS SDK's 5 min plus margin); cached ones are renewed before they would be refreshed anyway.
 */
export const CREDENTIAL_REFRESH_WINDOW_MS = 15 * 60_000;

interface CacheEntry {
  version: 1;
  /** The session that wrote it: another session's entry is ignored. */
  session: string;
  key: CredentialCacheKey;
  credentials: ProcessCredentials;
}

export function credentialCacheFile(layout: SessionLayout, key: CredentialCacheKey): string {
  const digest = createHash('sha256').update(JSON.stringify([key.roleArn, key.durationSeconds ?? null, key.stsEndpoint ?? null, key.region ?? null])).digest('hex');
  return join(layout.credentialCacheDir, `${digest.slice(0, 32)}.json`);
}

/**
 * The cached credentials when they are ours and fresh: the file is a regular file of this
 * user that nobody else can read or write, it parses, it was written by `sessionId` for the
 * same key, and it expires after the refresh window. Anything else: undefined.
 */
export function readCachedCredentials(file: string, expected: { sessionId: string; key: CredentialCacheKey; now: number }): ProcessCredentials | undefined {
  let text: string;
  try {
    const fd = openSync(file, fs.O_RDONLY | fs.O_NOFOLLOW);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || (stat.mode & 0o077) !== 0 || (process.getuid !== undefined && stat.uid !== process.getuid())) return undefined;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  let entry: CacheEntry;
  try {
    entry = JSON.parse(text) as CacheEntry;
  } catch {
    return undefined;
  }
  if (entry?.version !== 1 || entry.session !== expected.sessionId || !sameKey(entry.key, expected.key)) return undefined;
  const credentials = entry.credentials;
  if (typeof credentials?.AccessKeyId !== 'string' || typeof credentials.SecretAccessKey !== 'string' || typeof credentials.SessionToken !== 'string') return undefined;
  const expiresAt = Date.parse(credentials.Expiration);
  if (Number.isNaN(expiresAt) || expiresAt - expected.now <= CREDENTIAL_REFRESH_WINDOW_MS) return undefined;
  return credentials;
}

/** Replaces the entry atomically, 0600 in a 0700 directory. */
export function writeCachedCredentials(file: string, entry: { sessionId: string; key: CredentialCacheKey; credentials: ProcessCredentials }): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const body: CacheEntry = { version: 1, session: entry.sessionId, key: entry.key, credentials: entry.credentials };
  writeFileAtomically(file, JSON.stringify(body), 0o600);
}

function sameKey(a: CredentialCacheKey | undefined, b: CredentialCacheKey): boolean {
  return a !== undefined && a.roleArn === b.roleArn && (a.durationSeconds ?? null) === (b.durationSeconds ?? null) && (a.stsEndpoint ?? null) === (b.stsEndpoint ?? null) && (a.region ?? null) === (b.region ?? null);
}
