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

/**
 * Query parameters whose values are credentials or one-time codes: the IdP's `code` and
 * `state` on the sign-in callbacks, the hand-off `code`, a web identity token in an STS GET
 * (`WebIdentityToken`), a presigned URL's `X-Amz-Security-Token`, anything named like a key,
 * secret, password or token.
 */
const SECRET_QUERY_PARAMETER = /code|state|token|secret|password|credential|key|assertion|signature|session/i;

/**
 * A request URL as it may be logged: the path, and the query with the value of every
 * parameter that may hold a secret replaced by `[redacted]` (names stay, for debugging).
 */
export function redactUrlForLog(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const hashStart = url.indexOf('#', queryStart);
  const query = url.slice(queryStart + 1, hashStart < 0 ? undefined : hashStart);
  const redacted = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed name is judged as it is.
      }
      return equals >= 0 && SECRET_QUERY_PARAMETER.test(decoded) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${redacted}`;
}
