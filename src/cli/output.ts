import { RoleportError, isRoleportError, textProblem } from '../core/index.ts';

/** Bad usage: exits 2 with one line naming what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Output {
  json: boolean;
}

/** Prints data: JSON with `--json`, else the text form. */
export function print(output: Output, data: unknown, text: () => string): void {
  process.stdout.write(output.json ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
}

/** Exit code of a failure: 2 for bad usage or input, 1 for everything else. */
export function exitCodeFor(error: unknown): 1 | 2 {
  if (error instanceof UsageError) return 2;
  if (isRoleportError(error)) return error.code === 'ERR_CONFIG_INVALID' || (error.status >= 400 && error.status < 500) ? 2 : 1;
  return 1;
}

export function messageFor(error: unknown): string {
  if (error instanceof UsageError || isRoleportError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function parseClaimArguments(values: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const value of values) {
    const index = value.indexOf('=');
    if (index <= 0) throw new UsageError(`--claim ${value}: expected key=value`);
    const key = value.slice(0, index);
    const keyProblem = textProblem('a --claim name', key, { maxLength: 256 });
    if (keyProblem !== undefined) throw new UsageError(keyProblem);
    const raw = value.slice(index + 1);
    // JSON values (arrays, objects, numbers, booleans) are taken as such; anything else is a string.
    let parsed: unknown = raw;
    if (/^[[{]|^(true|false|null|-?\d+(\.\d+)?)$/.test(raw)) {
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new UsageError(`--claim ${key}: value looks like JSON but does not parse`);
      }
    }
    claims[key] = parsed;
  }
  return claims;
}

export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export { RoleportError };
