import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { stsError } from '../../../sts/index.ts';
import { registerStsRoutes, type StsRouteOptions } from './query-endpoint.ts';

export interface StsListenerOptions {
  logger: FastifyBaseLogger;
  trustedProxies: readonly string[];
  sts: StsRouteOptions;
}

/**
 * A Fastify app serving only the local STS at `/` — what `AWS_ENDPOINT_URL_STS` or
 * `--endpoint-url` points at — plus `/healthz`. Any other path answers AWS-style XML.
 */
export async function buildStsListener(options: StsListenerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    bodyLimit: 256 * 1024,
  });
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  await app.register(async (scope) => registerStsRoutes(scope, options.sts));
  app.setNotFoundHandler((request, reply) => {
    const response = options.sts.errorResponse(stsError('InvalidAction', `The local STS serves the Query API at /, not ${request.method} ${request.url.split('?')[0]}`));
    return reply.status(404).header('x-amzn-requestid', response.requestId).type('text/xml').send(response.body);
  });
  return app;
}
