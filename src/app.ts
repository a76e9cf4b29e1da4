import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { ResolvedConfig } from './config/index.ts';
import { buildHttpServer } from './http/server.ts';
import { registerWebRoutes } from './http/routes/web/index.ts';
import { registerSessionApiRoutes } from './http/routes/api/sessions.ts';
import { registerOAuthTokenRoutes } from './http/routes/oauth/token.ts';
import { registerStsRoutes } from './http/routes/sts/query-endpoint.ts';
import { createRequestOrigin } from './http/request-origin.ts';
import { buildStsListener } from './http/routes/sts/listener.ts';
import { registerIntegrationApiRoutes } from './http/routes/api/integrations.ts';
import { registerCredentialsRoute } from './http/routes/oauth/credentials.ts';
import { buildContentListener } from './http/routes/content/listener.ts';
import { securityHeaders } from './http/security-headers.ts';
import { createServices, type Services, type ServicesOptions } from './services.ts';
import { CREDENTIALS_PATH } from './integrations/index.ts';
import { CLI_TOKEN_PATH, TOKEN_ENDPOINT_PATH } from './sessions/index.ts';
import { createLogger } from './logger.ts';

export interface Application {
  services: Services;
  http: FastifyInstance;
  /** Listens on the configured address; resolves with the bound URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
  /** Where the local STS answers once listening: its own listener (`sts.listen`), `<broker>/sts`, or undefined when `sts.enabled` is false. */
  stsUrl(): string | undefined;
  /** Where the content origin's listener (`content.listen`) is bound once listening, or undefined without one. */
  contentUrl(): string | undefined;
}

export interface ApplicationOptions extends ServicesOptions {
  /** Where the process's logs (HTTP and services) go instead of stderr; tests read them. */
  logDestination?: DestinationStream | undefined;
}

/** The composition root: services plus the HTTP adapter, wired. No logic lives here. */
export async function createApplication(config: ResolvedConfig, options: ApplicationOptions = {}): Promise<Application> {
  const logger = createLogger(config.log.level, options.logDestination);
  const services = await createServices(config, { background: true, logger, ...options });
  const tls = config.tls.certFile !== undefined && config.tls.keyFile !== undefined ? { certFile: config.tls.certFile, keyFile: config.tls.keyFile } : undefined;
  const http = await buildHttpServer({
    logger,
    trustedProxies: config.trustedProxies,
    tls,
    securityHeaders: securityHeaders(config.issuer),
    // The routes that take a secret or start a sign-in, each limited per client address.
    rateLimits: config.rateLimits.enabled
      ? [
          { paths: ['/login', config.sso.redirectPath], limit: config.rateLimits.signIn },
          { paths: ['/cli/login', CLI_TOKEN_PATH], limit: config.rateLimits.cliLogin },
          { paths: [TOKEN_ENDPOINT_PATH], limit: config.rateLimits.token },
          { paths: [CREDENTIALS_PATH], limit: config.rateLimits.credentials },
        ]
      : [],
    issuer: {
      documents: () => services.keys.documents(),
      cacheSeconds: config.keys.jwksCacheSeconds,
      onRequest: (document) => services.metrics.jwksRequests.inc({ document }),
    },
    ops: {
      checkDatabase: services.checkDatabase,
      keysReady: () => services.keys.ready(),
      metrics: services.metrics.registry,
    },
    extraRoutes: [
      (app) =>
        registerWebRoutes(app, {
          sso: services.sso,
          users: services.users,
          sessions: services.sessions,
          integrations: services.integrations,
          // Flushed first, so the page shows what just happened.
          readAudit: async (query) => {
            await services.audit.flush();
            return services.repositories.auditEvents.query(query);
          },
          clock: services.clock,
          publicUrl: config.issuer,
          roleClaim: config.sso.claims.roleArn,
          defaultRegion: config.sessions.defaultRegion,
          contentOrigin: config.content.origin,
        }),
      (app) => registerSessionApiRoutes(app, { sessions: services.sessions }),
      (app) => registerOAuthTokenRoutes(app, { sessions: services.sessions }),
      (app) => registerIntegrationApiRoutes(app, { integrations: services.integrations }),
      (app) => registerCredentialsRoute(app, { integrations: services.integrations }),
      ...(config.sts.enabled && config.sts.listen === undefined
        ? [async (app: FastifyInstance) => void (await app.register((scope) => registerStsRoutes(scope, { sts: services.sts, origin: createRequestOrigin(config.trustedProxies) }), { prefix: '/sts' }))]
        : []),
    ],
  });
  const stsHttp = config.sts.enabled && config.sts.listen !== undefined ? await buildStsListener({ logger, trustedProxies: config.trustedProxies, sts: services.sts, securityHeaders: securityHeaders(undefined) }) : undefined;
  const contentHttp =
    config.content.origin !== undefined && config.content.listen !== undefined
      ? await buildContentListener({
          logger,
          trustedProxies: config.trustedProxies,
          tls,
          securityHeaders: securityHeaders(config.content.origin),
          routes: {
            integrations: services.integrations,
            sso: services.sso,
            users: services.users,
            clock: services.clock,
            origin: config.content.origin,
            brokerUrl: config.issuer,
          },
        })
      : undefined;
  let stsUrl: string | undefined;
  let contentUrl: string | undefined;
  return {
    services,
    http,
    async listen() {
      const [host, port] = splitListen(config.listen);
      const url = await http.listen({ host, port });
      if (stsHttp !== undefined) {
        const [stsHost, stsPort] = splitListen(config.sts.listen!);
        stsUrl = await stsHttp.listen({ host: stsHost, port: stsPort });
      } else if (config.sts.enabled) stsUrl = `${url}/sts`;
      if (contentHttp !== undefined) {
        const [contentHost, contentPort] = splitListen(config.content.listen!);
        contentUrl = await contentHttp.listen({ host: contentHost, port: contentPort });
      }
      return url;
    },
    stsUrl: () => stsUrl,
    contentUrl: () => contentUrl,
    async close() {
      await contentHttp?.close();
      await stsHttp?.close();
      await http.close();
      await services.close();
    },
  };
}

/**
 * Only the local STS (`roleport sts serve`): the services, and the STS's own listener on
 * `sts.listen`. No broker routes, no key rotation timer.
 */
export async function createStsApplication(config: ResolvedConfig, options: ServicesOptions = {}): Promise<Application> {
  if (config.sts.listen === undefined) throw new TypeError('createStsApplication needs config.sts.listen');
  const logger = createLogger(config.log.level);
  const services = await createServices(config, { background: false, logger, ...options });
  const http = await buildStsListener({ logger, trustedProxies: config.trustedProxies, sts: services.sts, securityHeaders: securityHeaders(undefined) });
  let url: string | undefined;
  return {
    services,
    http,
    async listen() {
      const [host, port] = splitListen(config.sts.listen!);
      url = await http.listen({ host, port });
      return url;
    },
    stsUrl: () => url,
    contentUrl: () => undefined,
    async close() {
      await http.close();
      await services.close();
    },
  };
}

export function splitListen(listen: string): [string, number] {
  const index = listen.lastIndexOf(':');
  return [listen.slice(0, index).replace(/^\[|\]$/g, ''), Number(listen.slice(index + 1))];
}
