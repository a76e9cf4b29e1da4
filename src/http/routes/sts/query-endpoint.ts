import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stsError } from '../../../iam/index.ts';
import type { StsQueryRequest, StsQueryResponse } from '../../../sts/index.ts';
import type { RequestOrigin } from '../../request-origin.ts';

/** What the STS route needs from the domain (src/sts's `Sts`). */
export interface StsRouteOptions {
  handleQuery(request: StsQueryRequest): Promise<StsQueryResponse>;
  errorResponse(error: unknown): StsQueryResponse;
}

export interface StsEndpointOptions {
  sts: StsRouteOptions;
  /** Client address and scheme behind the configured trusted proxies (request-origin.ts). */
  origin: (request: IncomingMessage) => RequestOrigin;
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

/**
 * The Query-protocol endpoint at the root of its prefix: POST with a form body, as the AWS
 * SDKs and CLI send it, or GET with the parameters in the query. SigV4 covers the body's
 * exact bytes, so this scope parses forms itself and keeps the raw text. Requests log at
 * warn only: a GET's URL may carry a web identity token. (On the STS's own listener the
 * common case, a form POST to `/`, is answered before Fastify by fast-path.ts, which builds
 * the same request with the same helpers.)
 */
export async function registerStsRoutes(app: FastifyInstance, options: StsEndpointOptions): Promise<void> {
  const rawBodies = new WeakMap<FastifyRequest, string>();

  // The Query protocol is form-encoded only: JSON or text bodies get a 415, answered as XML.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(FORM_CONTENT_TYPE, { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    rawBodies.set(request, text);
    done(null, parseForm(text));
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    const mapped = error.validation !== undefined || (status >= 400 && status < 500) ? stsError('ValidationError', error.message) : error;
    return send(reply, options.sts.errorResponse(mapped));
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply, params: Record<string, string>): Promise<FastifyReply> => {
    const response = await options.sts.handleQuery(toStsQueryRequest(request.raw, rawBodies.get(request) ?? '', params, options.origin(request.raw)));
    return send(reply, response);
  };

  app.get<{ Querystring: Record<string, string> }>('/', { logLevel: 'warn', schema: { querystring: stringMap } }, (request, reply) => handle(request, reply, request.query));
  app.post<{ Body: Record<string, string> | undefined; Querystring: Record<string, string> }>(
    '/',
    { logLevel: 'warn', schema: { querystring: stringMap, body: stringMap } },
    // Query parameters count too (AWS reads both); the body wins on a clash.
    (request, reply) => handle(request, reply, { ...request.query, ...(request.body ?? {}) }),
  );
}

/** A form body as parameters: the first value of a repeated name counts. Every value is a string. */
export function parseForm(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) if (!(name in values)) values[name] = value;
  return values;
}

/** The domain's view of an HTTP request: path and raw query split, the raw body kept for SigV4. */
export function toStsQueryRequest(raw: IncomingMessage, body: string, params: Record<string, string>, origin: RequestOrigin): StsQueryRequest {
  const url = raw.url ?? '/';
  const queryIndex = url.indexOf('?');
  return {
    method: raw.method ?? 'GET',
    path: queryIndex < 0 ? url : url.slice(0, queryIndex),
    rawQuery: queryIndex < 0 ? '' : url.slice(queryIndex + 1),
    headers: raw.headers as StsQueryRequest['headers'],
    body,
    params,
    secure: origin.secure,
    sourceIp: origin.sourceIp,
  };
}

function send(reply: FastifyReply, response: StsQueryResponse): FastifyReply {
  return reply.status(response.status).header('x-amzn-requestid', response.requestId).type('text/xml').send(response.body);
}
