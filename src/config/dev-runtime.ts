import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../core/index.ts';

/**
 * What a running `roleport dev` serves, recorded in its data directory so that the CLI's
 * one-shot commands on the same directory (`token mint`, `content token`, `aws
 * trust-policy`, …) sign and speak for the issuer that is actually running — `dev --port 0`
 * picks its port at start, and the configuration's default (`http://127.0.0.1:8080`) would
 * name another issuer, whose tokens no verifier of this one accepts.
 */
export const DEV_RUNTIME_FILE = 'dev.json';

export interface DevRuntime {
  issuer: string;
  web: string;
  sts: string;
  idp: string;
  /** The dev process: the record is stale once it is gone. */
  pid: number;
  /** ISO 8601. */
  startedAt: string;
}

/** Records the running dev (0644: nothing secret), replacing any earlier record atomically. */
export function writeDevRuntime(dataDir: string, runtime: DevRuntime): void {
  writeFileAtomically(join(dataDir, DEV_RUNTIME_FILE), `${JSON.stringify(runtime, null, 2)}\n`, 0o644);
}

/** Removes the record when dev stops (a crash leaves it; {@link readDevRuntime} then sees it stale). */
export function removeDevRuntime(dataDir: string, pid: number): void {
  // Only our own record: a second dev on the same directory may have replaced it.
  if (readRecord(dataDir)?.pid === pid) rmSync(join(dataDir, DEV_RUNTIME_FILE), { force: true });
}

/** The running dev's record, or undefined when there is none, it does not parse, or its process is gone. */
export function readDevRuntime(dataDir: string): DevRuntime | undefined {
  const record = readRecord(dataDir);
  return record !== undefined && isRunning(record.pid) ? record : undefined;
}

function readRecord(dataDir: string): DevRuntime | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(join(dataDir, DEV_RUNTIME_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const text = (key: string): boolean => typeof record[key] === 'string';
  if (!text('issuer') || !text('web') || !text('sts') || !text('idp') || !text('startedAt') || !Number.isInteger(record['pid'])) return undefined;
  return record as unknown as DevRuntime;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
