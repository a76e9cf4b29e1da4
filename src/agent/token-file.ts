import { rmSync } from 'node:fs';
import { writeFileAtomically } from '../core/index.ts';

/**
 * Writes the bare token — no newline, since the SDKs send the file's bytes as they are — by
 * atomic replace (temp file in the same directory, fsync, rename) with mode 0600, so that a
 * reader sees the old token or the new one, never an empty or partial file.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html
 */
export function writeTokenFile(path: string, token: string): void {
  if (token === '' || /\s/.test(token)) throw new TypeError('writeTokenFile: a token is one non-empty line without whitespace');
  writeFileAtomically(path, token, 0o600);
}

/** Removes the token file; a file that is already gone is fine. */
export function removeTokenFile(path: string): void {
  rmSync(path, { force: true });
}
