import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stsError, type StsQueryRequest, type StsQueryResponse } from '../../../sts/index.ts';

/** What the STS route needs from the domain (src/sts's `Sts`). */
export interface StsRouteOptions {
  handleQuery(request: StsQueryRequest): Promise<StsQueryResponse>;
  errorResponse(error: unknown): StsQueryResponse;
}

const FORM = 'application/x-www-form-urlencoded';
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

/**
 * The Query-protocol endpoint at the root of its prefix: POST with a form body, as the AWS
 * SDKs and CLI send it, or GET with the parameters in the query. SigV4 covers the body's
 * exact bytes, so this scope parses forms itself and keeps the raw text. Requests log at
 * warn only: a GET's URL may carry a web identity token.
 */
export async function registerStsRoutes(app: FastifyInstance, options: StsRouteOptions): Promise<void> {
  const rawBodies = new WeakMap<FastifyRequest, string>();

  // The Query protocol is form-encoded only: JSON or text bodies get a 415, answered as XML.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    rawBodies.set(request, text);
    done(null, firstValues(new URLSearchParams(text)));
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    const mapped = error.validation !== undefined || (status >= 400 && status < 500) ? stsError('ValidationError', error.message) : error;
    return send(reply, options.errorResponse(mapped));
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply, params: Record<string, string>): Promise<FastifyReply> => {
    const url = request.raw.url ?? '/';
    const queryIndex = url.indexOf('?');
    const response = await options.handleQuery({
      method: request.method,
      path: queryIndex < 0 ? url : url.slice(0, queryIndex),
      rawQuery: queryIndex < 0 ? '' : url.slice(queryIndex + 1),
      headers: request.headers as StsQueryRequest['headers'],
      body: rawBodies.get(request) ?? '',
      params,
      secure: request.protocol === 'https',
      sourceIp: request.ip,
    });
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

function firstValues(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in values)) values[name] = value;
  return values;
}

function send(reply: FastifyReply, response: StsQueryResponse): FastifyReply {
  return reply.status(response.status).header('x-amzn-requestid', response.requestId).type('text/xml').send(response.body);
}
