import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { redactedLogPaths } from './core/index.ts';

/**
 * The one pino instance of a process: structured JSON, secrets censored wherever they
 * appear. Fastify and every domain module log through it.
 */
export function createLogger(level: string, destination?: DestinationStream): PinoLogger {
  return pino({ level, redact: { paths: [...redactedLogPaths], censor: '[redacted]' } }, destination ?? pino.destination(2));
}
