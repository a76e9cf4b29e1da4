import type { IncomingMessage } from 'node:http';
import { writeFastHead, type NodeFastPath } from '../../node-server.ts';
import { parse as parseForm } from 'fast-querystring';
import type { FastifyBaseLogger, FastifySchemaValidationError } from 'fastify';
import { TOKEN_ENDPOINT_PATH, type Sessions } from '../../../sessions/index.ts';
import type { RouteLimiter } from '../../plugins/rate-limits.ts';
import { formatSchemaErrors } from '../../schemas/text.ts';
import { OAUTH_NO_STORE, oauthErrorResponse } from './oauth-errors.ts';
import { answerTokenExchange } from './token.ts';
import type { TokenExchangeForm } from './token-exchange-form.ts';

/** A body validator as Fastify compiles the route's schema: true, or false with `errors` set. */
export interface BodyValidator {
  (body: unknown): boolean;
  errors?: FastifySchemaValidationError[] | null | undefined;
}

export interface TokenFastPathOptions {
  sessions: Sessions;
  /** The client address as Fastify's `request.ip` computes it (request-origin.ts). */
  clientIp: (request: IncomingMessage) => string | undefined;
  /** The route's body schema compiled by Fastify's own validator compiler. */
  validate: BodyValidator;
  /** The route's rate limit, shared with the route; undefined when it is not limited. */
  limiter: RouteLimiter | undefined;
  /** The listener's body limit; a larger declared body goes to Fastify, which answers 413. */
  bodyLimit: number;
  logger: FastifyBaseLogger;
}

/**
 * Answers `POST /oauth/token` — every agent refresh, the broker's busiest route — before
 * Fastify's router, hooks, content-type parser and per-request child logger, as the STS's fast
 * path does. It does what the route does, with the route's own pieces: the body parsed as
 * @fastify/formbody parses it (fast-querystring), validated by the route's schema compiled by
 * Fastify's validator compiler, failures worded by the same formatter, the same exchange
 * (`answerTokenExchange`), OAuth errors from the one serializer (`oauthErrorResponse`), the
 * rate limit's counters and headers shared with the route. What it does not take — another
 * path or method, a query string, another content type, no or a chunked or an oversized
 * body, a request over the rate limit — returns false and goes to Fastify.
 */
export function createTokenFastPath(options: TokenFastPathOptions): NodeFastPath {
  return (request, response, leading) => {
    if (request.method !== 'POST' || request.url !== TOKEN_ENDPOINT_PATH) return false;
    const contentType = request.headers['content-type'];
    if (contentType === undefined || !PLAIN_FORM.test(contentType)) return false;
    const declared = request.headers['content-length'];
    if (declared === undefined || request.headers['transfer-encoding'] !== undefined) return false;
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length <= 0 || length > options.bodyLimit) return false;
    let limitHeaders: Record<string, string> = {};
    if (options.limiter !== undefined) {
      const clientIp = options.clientIp(request);
      if (clientIp === undefined) return false;
      const admitted = options.limiter.admit(clientIp);
      if (admitted === undefined) return false;
      limitHeaders = admitted;
    }

    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A client that goes away mid-body leaves nothing to answer.
    request.on('error', () => {});
    request.on('end', () => {
      const body = parseForm((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString()) as unknown;
      const send = (status: number, headers: Readonly<Record<string, string>>, answer: Record<string, unknown>): void => {
        const json = JSON.stringify(answer);
        writeFastHead(response, status, leading, limitHeaders, headers, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
        response.end(json);
      };
      const fail = (failure: unknown): void => {
        const answer = oauthErrorResponse(failure, TOKEN_ENDPOINT_PATH);
        if (answer.log?.level === 'error') options.logger.error(answer.log.fields, answer.log.message);
        send(answer.status, OAUTH_NO_STORE, answer.body);
      };
      if (!options.validate(body)) {
        // What Fastify makes of a schema failure (lib/validation.js), for the one error serializer.
        fail(Object.assign(formatSchemaErrors(options.validate.errors ?? [], 'body'), { statusCode: 400, validation: options.validate.errors }));
        return;
      }
      answerTokenExchange(options.sessions, contentType, body as TokenExchangeForm).then((answer) => send(200, OAUTH_NO_STORE, answer), fail);
    });
    return true;
  };
}

/**
 * The form content types agents send, which Fastify's parser certainly takes as
 * @fastify/formbody's; anything fancier (other parameters, odd spacing) goes to Fastify.
 */
const PLAIN_FORM = /^application\/x-www-form-urlencoded(?: ?; ?charset="?utf-8"?)?$/i;
