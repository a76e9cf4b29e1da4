import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { redactedLogPaths, redactUrlForLog } from './core/index.ts';
import { humanLogDestination, type LogFormat } from './log-format.ts';

/** The request fields Fastify logs (its own `req` serializer), with the URL's secrets redacted. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/**
 * The one pino instance of a process: structured JSON, secrets censored wherever they
 * appear — in log objects by path, and in request URLs by query parameter (a sign-in
 * callback's `?code=`, a hand-off code, a token in an STS GET). Fastify and every domain
 * module log through it; its `req` serializer replaces Fastify's. With `format: 'pretty'`
 * (`roleport dev`) each line is written for a person instead, after the same redaction.
 */
export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'json'): PinoLogger {
  return pino(
    {
      level,
      redact: { paths: [...redactedLogPaths], censor: '[redacted]' },
      serializers: {
        req: (request: LoggedRequest) => ({
          method: request.method,
          url: request.url === undefined ? undefined : redactUrlForLog(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        }),
      },
    },
    destination ?? (format === 'pretty' ? humanLogDestination(process.stderr) : pino.destination(2)),
  );
}
