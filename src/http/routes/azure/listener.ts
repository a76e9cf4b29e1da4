import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { EntraResponse } from '../../../entra/index.ts';
import { createNodeServerFactory, type TlsFiles } from '../../node-server.ts';
import { formatSchemaErrors, safeTextMap } from '../../schemas/text.ts';
import { securityHeaders } from '../../security-headers.ts';

/** What the Entra routes need from the domain (src/entra's `Entra`). */
export interface AzureRouteOptions {
  handleToken(tenant: string, params: Readonly<Record<string, string | undefined>>): Promise<EntraResponse>;
  instanceDiscovery(baseUrl: string): EntraResponse;
  openIdConfiguration(baseUrl: string, tenant: string): EntraResponse;
}

export interface AzureListenerOptions {
  logger: FastifyBaseLogger;
  entra: AzureRouteOptions;
  /** MSAL takes only https:// authorities: the listener serves TLS. */
  tls: TlsFiles;
}

const BODY_LIMIT = 64 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const tenantParams = { type: 'object', properties: { tenant: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$' } }, required: ['tenant'] } as const;
const stringMap = safeTextMap(16384);

function send(reply: FastifyReply, answer: EntraResponse): FastifyReply {
  for (const [name, value] of Object.entries(answer.headers ?? {})) void reply.header(name, value);
  return reply.status(answer.status).send(answer.body);
}

/**
 * The local Entra token endpoint on its own TLS listener, at the paths Entra serves: what
 * `AZURE_AUTHORITY_HOST` points at. The documents name this listener by the request's own
 * scheme and host, as the authority the client was given.
 */
export async function buildAzureListener(options: AzureListenerOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: options.logger, bodyLimit: BODY_LIMIT, schemaErrorFormatter: formatSchemaErrors, serverFactory: createNodeServerFactory({ tls: options.tls, logger: options.logger, headers: securityHeaders(undefined) }) });
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    const values: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body as string)) if (!(name in values)) values[name] = value;
    done(null, values);
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    return reply.status(status).send({ error: 'invalid_request', error_description: `AADSTS900144: ${error.message}`, error_codes: [900144] });
  });
  const baseUrl = (host: string | undefined): string => `https://${host ?? 'localhost'}`;
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/common/discovery/instance', { logLevel: 'warn' }, async (request, reply) => send(reply, options.entra.instanceDiscovery(baseUrl(request.headers.host))));
  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/instance', { logLevel: 'warn', schema: { params: tenantParams } }, async (request, reply) => send(reply, options.entra.instanceDiscovery(baseUrl(request.headers.host))));
  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', { logLevel: 'warn', schema: { params: tenantParams } }, async (request, reply) =>
    send(reply, options.entra.openIdConfiguration(baseUrl(request.headers.host), request.params.tenant)),
  );
  // Access tokens here are opaque: there are no signing keys to publish.
  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/v2.0/keys', { logLevel: 'warn', schema: { params: tenantParams } }, async () => ({ keys: [] }));
  app.post<{ Params: { tenant: string }; Body: Record<string, string> }>('/:tenant/oauth2/v2.0/token', { logLevel: 'warn', schema: { params: tenantParams, body: stringMap } }, async (request, reply) =>
    send(reply, await options.entra.handleToken(request.params.tenant, request.body ?? {})),
  );
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: 'not_found', error_description: `The local Entra endpoint does not serve ${request.method} ${request.url.split('?')[0]}` }));
  return app;
}
