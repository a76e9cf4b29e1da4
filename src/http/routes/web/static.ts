import type { FastifyInstance } from 'fastify';
import { favicon, FAVICON_PATH, script, SCRIPT_PATH, stylesheet, STYLESHEET_PATH } from '../../../web/index.ts';

/**
 * The pages' static files: the stylesheet, the one script and the favicon, from memory. They
 * change only with a new release, so they may be cached for an hour.
 */
export function registerStaticFiles(scope: FastifyInstance): void {
  const files: ReadonlyArray<[string, string, string]> = [
    [STYLESHEET_PATH, 'text/css; charset=utf-8', stylesheet],
    [SCRIPT_PATH, 'text/javascript; charset=utf-8', script],
    [FAVICON_PATH, 'image/svg+xml', favicon],
  ];
  for (const [path, type, body] of files) {
    scope.get(path, (_request, reply) => reply.type(type).header('cache-control', 'public, max-age=3600').send(body));
  }
}
