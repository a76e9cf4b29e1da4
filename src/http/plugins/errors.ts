import type { FastifyError, FastifyInstance } from 'fastify';
import { isRoleportError } from '../../core/index.ts';

/**
 * The API's error serializer: `{code, message}` with the error's status. A 5xx never
 * carries internals. Routes speaking another protocol (STS XML, OAuth JSON) set their own
 * handler on their scope.
 */
export function registerApiErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (isRoleportError(error)) {
      if (error.status >= 500) request.log.error({ err: error, detail: error.detail }, error.message);
      return reply.status(error.status).send({ code: error.code, message: error.expose ? error.message : 'internal error' });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      return reply.status(400).send({ code: 'ERR_INPUT_INVALID', message: fastifyError.message });
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ code: 'ERR_INTERNAL', message: 'internal error' });
    }
    return reply.status(status).send({ code: fastifyError.code ?? 'ERR_INPUT_INVALID', message: fastifyError.message });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ code: 'ERR_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` }));
}
