/**
 * The logging surface domain modules see. pino satisfies it; domain code never imports pino
 * so that it stays testable and the redaction rules live in one place (the HTTP adapter).
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** Paths pino must censor wherever they appear in a log object. */
export const redactedLogPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  '*.client_secret',
  '*.clientSecret',
  '*.refresh_token',
  '*.refreshToken',
  '*.private_key',
  '*.privateKey',
  '*.password',
  '*.secret',
  '*.secretAccessKey',
  '*.SecretAccessKey',
  '*.sessionToken',
  '*.SessionToken',
  '*.apiKey',
  '*.api_key',
  '*.subject_token',
  '*.masterKey',
  'client_secret',
  'refresh_token',
  'masterKey',
];
