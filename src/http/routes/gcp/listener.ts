import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { GoogleResponse } from '../../../gcp-sts/index.ts';
import { createNodeServerFactory, type TlsFiles } from '../../node-server.ts';
import { formatSchemaErrors, ifType, safeText, safeTextIfString, safeTextMap } from '../../schemas/text.ts';
import { securityHeaders } from '../../security-headers.ts';

/** What the Google routes need from the domain (src/gcp-sts's `GoogleSts`). */
export interface GcpRouteOptions {
  handleTokenExchange(params: Readonly<Record<string, string | undefined>>): Promise<GoogleResponse>;
  handleGenerateAccessToken(request: { email: string; authorization: string | undefined; body: unknown }): Promise<GoogleResponse>;
}

export interface GcpListenerOptions {
  logger: FastifyBaseLogger;
  gcp: GcpRouteOptions;
  tls?: TlsFiles | undefined;
}

const BODY_LIMIT = 64 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const GENERATE_ACCESS_TOKEN = ':generateAccessToken';
const stringMap = safeTextMap(16384);
const serviceAccountParams = { type: 'object', properties: { project: safeText(64), resource: safeText(1024) } } as const;
/** Only what must be safe text; the domain checks the shape and says so in Google's words. */
const generateAccessTokenBody = ifType('object', { properties: { scope: ifType('array', { items: safeTextIfString(1024) }), lifetime: safeTextIfString(32), delegates: ifType('array', { items: safeTextIfString(1024) }) } });

/**
 * The local Google STS on a listener of its own, at the paths Google serves: `POST /v1/token`
 * (sts.googleapis.com) and `POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`
 * (iamcredentials.googleapis.com) — what an `external_account` file's `token_url` and
 * `service_account_impersonation_url` point at — plus `/healthz`. Requests log at warn only:
 * their bodies and headers carry tokens.
 */
export async function buildGcpListener(options: GcpListenerOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: options.logger, bodyLimit: BODY_LIMIT, schemaErrorFormatter: formatSchemaErrors, serverFactory: createNodeServerFactory({ tls: options.tls, logger: options.logger, headers: securityHeaders(undefined) }) });
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    const values: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body as string)) if (!(name in values)) values[name] = value;
    done(null, values);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    if (request.url.startsWith('/v1/token')) return reply.status(400).send({ error: 'invalid_request', error_description: error.message });
    return reply.status(status).send({ error: { code: status, message: error.message, status: 'INVALID_ARGUMENT' } });
  });
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.post<{ Body: Record<string, string> }>('/v1/token', { logLevel: 'warn', schema: { body: stringMap } }, async (request, reply) => {
    const answer = await options.gcp.handleTokenExchange(request.body ?? {});
    return reply.status(answer.status).header('cache-control', 'no-store').send(answer.body);
  });
  app.post<{ Params: { project: string; resource: string }; Body: unknown }>('/v1/projects/:project/serviceAccounts/:resource', { logLevel: 'warn', schema: { params: serviceAccountParams, body: generateAccessTokenBody } }, async (request, reply) => {
    const { project, resource } = request.params;
    if (!resource.endsWith(GENERATE_ACCESS_TOKEN) || project !== '-') {
      return reply.status(404).send({ error: { code: 404, message: `Method not found: ${request.url.split('?')[0]} (only projects/-/serviceAccounts/EMAIL:generateAccessToken is served)`, status: 'NOT_FOUND' } });
    }
    const answer = await options.gcp.handleGenerateAccessToken({ email: resource.slice(0, -GENERATE_ACCESS_TOKEN.length), authorization: request.headers.authorization, body: request.body });
    return reply.status(answer.status).header('cache-control', 'no-store').send(answer.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 404, message: `The local Google STS serves POST /v1/token and generateAccessToken, not ${request.method} ${request.url.split('?')[0]}`, status: 'NOT_FOUND' } }),
  );
  return app;
}
