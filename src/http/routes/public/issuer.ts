import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DISCOVERY_PATH, JWKS_PATH, type IssuerDocuments, type ServedDocument } from '../../../issuer/index.ts';

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
    reply.header('cache-control', cacheControl).header('etag', document.etag).header('access-control-allow-origin', '*');
    if (request.headers['if-none-match'] === document.etag) return reply.status(304).send();
    return reply.type('application/json').send(document.body);
  };

  app.get(DISCOVERY_PATH, { logLevel: 'warn' }, (request, reply) => {
    options.onRequest('discovery');
    return send(request, reply, options.documents().discovery);
  });
  app.get(JWKS_PATH, { logLevel: 'warn' }, (request, reply) => {
    options.onRequest('jwks');
    return send(request, reply, options.documents().jwks);
  });
  app.get<{ Params: { kid: string } }>(
    `${JWKS_PATH}/:kid`,
    { logLevel: 'warn', schema: { params: { type: 'object', properties: { kid: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['kid'] } } },
    (request, reply) => {
      const key = options.documents().keysByKid.get(request.params.kid);
      if (key === undefined) {
        return reply.status(404).send({ code: 'ERR_KEY_NOT_FOUND', message: `no published key has kid ${JSON.stringify(request.params.kid)}` });
      }
      return send(request, reply, key);
    },
  );
}
