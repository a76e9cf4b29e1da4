import type { FastifyError, FastifyInstance } from 'fastify';
import { errorCodes, isRoleportError, type ErrorCode } from '../../core/index.ts';

/**
 * The publishing server's API lives under this prefix, and its clients read errors there as
 * `{code: <int>, error: "<message>", payload: null}` (posit-sdk's `hooks.handle_errors` reads
 * `data["code"]` and `data["error"]` of every 4xx/5xx JSON body).
 * @see https://github.com/posit-dev/posit-sdk-py/blob/main/src/posit/connect/hooks.py
 */
export const PUBLISHING_API_PREFIX = '/__api__/';

export function isPublishingApiPath(url: string): boolean {
  return url.startsWith(PUBLISHING_API_PREFIX) || url === '/__api__' || url.startsWith('/__api__?');
}

/**
 * The fields that make a body readable by the publishing server's clients: the catalogue's
 * number in `code`, and Roleport's stable `ERR_*` code in a field of its own.
 */
export function publishingApiErrorFields(code: ErrorCode): { code: number; payload: null; roleport_code: ErrorCode } {
  return { code: errorCodes[code].apiCode, payload: null, roleport_code: code };
}

/** The response schema of an API error, `{code, message}`. */
export const apiErrorSchema = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } as const;

/** The response schema of an error under `/__api__/` (Fastify drops what a schema does not list). */
export const publishingApiErrorSchema = {
  type: 'object',
  properties: { code: { type: 'integer' }, error: { type: 'string' }, payload: { type: 'null' }, roleport_code: { type: 'string' } },
  required: ['code', 'error', 'payload', 'roleport_code'],
} as const;

/** One error body, in the shape of the route it answers: `{code, message}`, or the publishing server's under `/__api__/`. */
function errorBody(url: string, code: ErrorCode, message: string): Record<string, unknown> {
  return isPublishingApiPath(url) ? { ...publishingApiErrorFields(code), error: message } : { code, message };
}

/**
 * The API's error serializer: `{code, message}` with the error's status (the publishing
 * server's `{code, error, payload}` under `/__api__/`). A 5xx never carries internals.
 * Routes speaking another protocol (STS XML, OAuth JSON) set their own handler on their scope.
 */
export function registerApiErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (isRoleportError(error)) {
      if (error.status >= 500) request.log.error({ err: error, detail: error.detail }, error.message);
      return reply.status(error.status).send(errorBody(request.url, error.code, error.expose ? error.message : 'internal error'));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      return reply.status(400).send(errorBody(request.url, 'ERR_INPUT_INVALID', fastifyError.message));
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send(errorBody(request.url, 'ERR_INTERNAL', 'internal error'));
    }
    // Fastify's own 4xx (a body that does not parse, a wrong content type) are bad input.
    return reply.status(status).send(errorBody(request.url, status === 404 ? 'ERR_NOT_FOUND' : 'ERR_INPUT_INVALID', fastifyError.message));
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody(request.url, 'ERR_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`)));
}
