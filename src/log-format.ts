import type { DestinationStream } from 'pino';

/** How the process writes its logs: pino's JSON lines (production, log shippers) or lines for people (`roleport dev`). */
export type LogFormat = 'json' | 'pretty';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, shown in the line's prefix or not at all. */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);

/**
 * A pino destination that turns each JSON line into one line a person reads in a terminal:
 * `20:54:01 WARN  message (key=value …)`. pino has already censored secrets by then (it
 * serializes before writing), so this sees only what the JSON log would show.
 */
export function humanLogDestination(out: { write(text: string): unknown }): DestinationStream {
  return { write: (line: string) => void out.write(`${formatLogLine(line)}\n`) };
}

/** One JSON log line as text; a line that is not JSON passes through unchanged. */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line.trimEnd();
    record = parsed as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString().slice(11, 19) : '--:--:--';
  const level = (LEVELS[Number(record['level'])] ?? 'LOG').padEnd(5);
  const message = typeof record['msg'] === 'string' ? record['msg'] : '';
  const fields = Object.entries(record)
    .filter(([key]) => !OWN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${fieldText(key, value)}`);
  return `${time} ${level} ${message}${fields.length === 0 ? '' : ` (${fields.join(' ')})`}`;
}

function fieldText(key: string, value: unknown): string {
  if (typeof value === 'string') return /[\s"]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (key === 'err' && typeof value === 'object' && value !== null) {
    const error = value as { type?: unknown; message?: unknown };
    return JSON.stringify(`${typeof error.type === 'string' ? `${error.type}: ` : ''}${String(error.message ?? '')}`);
  }
  if (key === 'req' && typeof value === 'object' && value !== null) {
    const request = value as { method?: unknown; url?: unknown };
    return `${String(request.method ?? '')} ${String(request.url ?? '')}`.trim().replace(/\s/g, '_');
  }
  return JSON.stringify(value) ?? String(value);
}
