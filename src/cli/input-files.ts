import { readFileSync } from 'node:fs';
import { UsageError } from './output.ts';

/** A file's text, or standard input for `-`; a file that cannot be read is bad usage naming the flag. */
export function readInput(file: string, flag: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** A file holding one JSON object (claims, a generator's `--format json` output). */
export function readJsonObject(file: string, flag: string): Record<string, unknown> {
  const text = readInput(file, flag);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${flag} ${file}: must be a JSON object`);
  return value as Record<string, unknown>;
}
