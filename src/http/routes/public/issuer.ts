import { writeFastHead, type NodeFastPath } from '../../node-server.ts';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DISCOVERY_PATH, JWKS_PATH, type IssuerDocuments, type ServedDocument } from '../../../issuer/index.ts';
import { safeText } from '../../schemas/text.ts';

export interface IssuerRouteOptions {
  documents: () => IssuerDocuments;
  cacheSeconds: number;
  onRequest: (document: 'discovery' | 'jwks') => void;
}

/**
 * Discovery and JWKS: public (AWS STS fetches them), cacheable, served from memory. They log
 * nothing per request: they are the hottest routes and carry no user data.
 */
export function registerIssuerRoutes(app: FastifyInstance, options: IssuerRouteOptions): void {
  const cacheControl = `public, max-age=${options.cacheSeconds}`;
  const send = (request: FastifyRequest, reply: FastifyReply, document: ServedDocument): FastifyReply => {
    reply.headers({ 'cache-control': cacheControl, etag: document.etag, 'access-control-allow-origin': '*' });
    if (request.headers['if-none-match'] === document.etag) return reply.status(304).send();
    return reply.type('application/json').send(document.body);
  };

  // Fastify builds a child logger (bindings, level, redaction) for every request; these routes
  // share one built once, at warn level, which is most of their per-request cost saved.
  let quiet: FastifyBaseLogger | undefined;
  const routeOptions = {
    childLoggerFactory: (logger: FastifyBaseLogger): FastifyBaseLogger => (quiet ??= logger.child({ route: 'issuer' }, { level: 'warn' })),
  };

  app.get(DISCOVERY_PATH, routeOptions, (request, reply) => {
    options.onRequest('discovery');
    return send(request, reply, options.documents().discovery);
  });
  app.get(JWKS_PATH, routeOptions, (request, reply) => {
    options.onRequest('jwks');
    return send(request, reply, options.documents().jwks);
  });
  app.get<{ Params: { kid: string } }>(
    `${JWKS_PATH}/:kid`,
    { ...routeOptions, schema: { params: { type: 'object', properties: { kid: safeText(64, 1) }, required: ['kid'] } } },
    (request, reply) => {
      const key = options.documents().keysByKid.get(request.params.kid);
      if (key === undefined) {
        return reply.status(404).send({ code: 'ERR_KEY_NOT_FOUND', message: `no published key has kid ${JSON.stringify(request.params.kid)}` });
      }
      return send(request, reply, key);
    },
  );
}

/**
 * The same two documents answered before Fastify routing (see http/node-server.ts): a plain
 * GET of the exact path, nothing else. Anything unusual (HEAD, a query string, another
 * method) falls through to the routes above, which give the same bytes and headers.
 */
export function createIssuerFastPath(options: IssuerRouteOptions): NodeFastPath {
  const cacheControl = `public, max-age=${options.cacheSeconds}`;
  return (request, response, leading) => {
    if (request.method !== 'GET') return false;
    const kind = request.url === DISCOVERY_PATH ? 'discovery' : request.url === JWKS_PATH ? 'jwks' : undefined;
    if (kind === undefined) return false;
    const documents = options.documents();
    const document = kind === 'discovery' ? documents.discovery : documents.jwks;
    options.onRequest(kind);
    const notModified = request.headers['if-none-match'] === document.etag;
    writeFastHead(response, notModified ? 304 : 200, leading, {
      'cache-control': cacheControl,
      etag: document.etag,
      'access-control-allow-origin': '*',
      ...(notModified ? {} : { 'content-type': 'application/json', 'content-length': document.body.length }),
    });
    response.end(notModified ? undefined : document.body);
    return true;
  };
}
