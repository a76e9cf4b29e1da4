import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { stsError } from '../../../iam/index.ts';
import { createNodeServerFactory } from '../../node-server.ts';
import { createRequestOrigin } from '../../request-origin.ts';
import { formatSchemaErrors } from '../../schemas/text.ts';
import { createStsFastPath } from './fast-path.ts';
import { registerStsRoutes, type StsRouteOptions } from './query-endpoint.ts';

export interface StsListenerOptions {
  logger: FastifyBaseLogger;
  trustedProxies: readonly string[];
  sts: StsRouteOptions;
  /** Headers every response carries (see http/security-headers.ts). */
  securityHeaders?: Readonly<Record<string, string>> | undefined;
}

const BODY_LIMIT = 256 * 1024;

/**
 * A Fastify app serving only the local STS at `/` — what `AWS_ENDPOINT_URL_STS` or
 * `--endpoint-url` points at — plus `/healthz`. Any other path answers AWS-style XML.
 * Form POSTs to `/` are answered by the fast path before Fastify (fast-path.ts).
 */
export async function buildStsListener(options: StsListenerOptions): Promise<FastifyInstance> {
  const origin = createRequestOrigin(options.trustedProxies);
  const app = Fastify({
    loggerInstance: options.logger,
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    bodyLimit: BODY_LIMIT,
    schemaErrorFormatter: formatSchemaErrors,
    serverFactory: createNodeServerFactory({ fastPath: createStsFastPath({ sts: options.sts, origin, bodyLimit: BODY_LIMIT }), logger: options.logger, headers: options.securityHeaders }),
  });
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  await app.register(async (scope) => registerStsRoutes(scope, { sts: options.sts, origin }));
  app.setNotFoundHandler((request, reply) => {
    const response = options.sts.errorResponse(stsError('InvalidAction', `The local STS serves the Query API at /, not ${request.method} ${request.url.split('?')[0]}`));
    return reply.status(404).header('x-amzn-requestid', response.requestId).type('text/xml').send(response.body);
  });
  return app;
}
