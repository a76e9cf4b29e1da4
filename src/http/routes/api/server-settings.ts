import type { FastifyInstance } from 'fastify';

/**
 * The publishing server's API level Roleport answers as: OAuth integrations and the
 * credentials exchange arrived in 2024.08.0, and the publishing server's Python SDK refuses
 * `client.oauth` below it (`@requires(version="2024.08.0")`).
 * @see https://github.com/posit-dev/posit-sdk-py/blob/main/src/posit/connect/client.py (`oauth`)
 */
export const PUBLISHING_API_VERSION = '2024.08.0';

/**
 * `GET /__api__/server_settings`: the first call the publishing server's SDK makes, to learn
 * the server's version (`Context.version` reads `.json().get("version")`). Public: it names
 * an API level and nothing about this deployment.
 * @see https://github.com/posit-dev/posit-sdk-py/blob/main/src/posit/connect/context.py
 */
export function registerServerSettingsRoute(app: FastifyInstance): void {
  app.get(
    '/__api__/server_settings',
    { schema: { response: { 200: { type: 'object', properties: { version: { type: 'string' } }, required: ['version'] } } } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { version: PUBLISHING_API_VERSION };
    },
  );
}
