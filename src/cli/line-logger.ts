import type { Logger } from '../core/index.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * One line per event on stderr (`roleport: token refresh failed: …`): the agent runs beside
 * a person's terminal, where JSON log lines would be noise. `ROLEPORT_LOG_LEVEL` picks the
 * threshold (default warn).
 */
export function createLineLogger(level: string = process.env['ROLEPORT_LOG_LEVEL'] ?? 'warn'): Logger {
  const threshold = LEVELS.indexOf(level as (typeof LEVELS)[number]);
  const at = (name: (typeof LEVELS)[number]) => (obj: object, msg?: string) => {
    if (threshold < 0 || LEVELS.indexOf(name) < threshold) return;
    const err = (obj as { err?: unknown }).err;
    const reason = err instanceof Error ? `: ${err.message}` : '';
    process.stderr.write(`roleport: ${msg ?? name}${reason}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
