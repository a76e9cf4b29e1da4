import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { ResolvedConfig } from './config/index.ts';
import { buildHttpServer } from './http/server.ts';
import { registerWebRoutes } from './http/routes/web/index.ts';
import { registerSessionApiRoutes } from './http/routes/api/sessions.ts';
import { registerServerSettingsRoute } from './http/routes/api/server-settings.ts';
import { registerOAuthTokenRoutes, TOKEN_FORM_SCHEMA } from './http/routes/oauth/token.ts';
import { createTokenFastPath } from './http/routes/oauth/token-fast-path.ts';
import { registerStsRoutes } from './http/routes/sts/query-endpoint.ts';
import { createRequestOrigin } from './http/request-origin.ts';
import { buildStsListener } from './http/routes/sts/listener.ts';
import { registerIntegrationApiRoutes } from './http/routes/api/integrations.ts';
import { registerCredentialsRoute } from './http/routes/oauth/credentials.ts';
import { buildContentListener } from './http/routes/content/listener.ts';
import { securityHeaders } from './http/security-headers.ts';
import { buildGcpListener } from './http/routes/gcp/listener.ts';
import { buildAzureListener } from './http/routes/azure/listener.ts';
import { createServices, type Services, type ServicesOptions } from './services.ts';
import { RoleportError } from './core/index.ts';
import { CREDENTIALS_PATH } from './integrations/index.ts';
import { CLI_TOKEN_PATH, TOKEN_ENDPOINT_PATH, isAdmin } from './sessions/index.ts';
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
  /** Where the local Google STS and the local Entra endpoint answer once listening (their own listeners), when enabled. */
  cloudUrls(): { gcp: string | undefined; azure: string | undefined };
}

export interface ApplicationOptions extends ServicesOptions {
  /** Where the process's logs (HTTP and services) go instead of stderr; tests read them. */
  logDestination?: DestinationStream | undefined;
}

/** The composition root: services plus the HTTP adapter, wired. No logic lives here. */
export async function createApplication(config: ResolvedConfig, options: ApplicationOptions = {}): Promise<Application> {
  const logger = createLogger(config.log.level, options.logDestination, config.log.format);
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
      auditWritable: () => services.audit.checkWritable(),
      metrics: services.metrics.registry,
    },
    // Every agent refresh: answered before Fastify's router, as its route would (token-fast-path.ts).
    fastPaths: [
      (context) => {
        const origin = createRequestOrigin(config.trustedProxies);
        return createTokenFastPath({
          sessions: services.sessions,
          clientIp: (request) => origin(request).sourceIp,
          validate: context.compileBodySchema(TOKEN_FORM_SCHEMA, 'POST', TOKEN_ENDPOINT_PATH),
          limiter: context.limiter('POST', TOKEN_ENDPOINT_PATH),
          bodyLimit: context.bodyLimit,
          logger,
        });
      },
    ],
    extraRoutes: [
      (app) =>
        registerWebRoutes(app, {
          sso: services.sso,
          users: services.users,
          isAdmin: (user) => isAdmin(config.admins, user),
          sessions: services.sessions,
          integrations: services.integrations,
          keys: services.keys,
          stsRegistry: services.sts.registry,
          // Flushed first, so the page shows what just happened.
          readAudit: async (query) => {
            await services.audit.flush();
            return services.repositories.auditEvents.page(query);
          },
          clock: services.clock,
          publicUrl: config.issuer,
          roleClaim: config.sso.claims.roleArn,
          defaultRegion: config.sessions.defaultRegion,
          contentOrigin: config.content.origin,
          cliCommand: config.web.cliCommand,
          stsEndpoint: config.web.stsEndpoint,
        }),
      (app) => registerSessionApiRoutes(app, { sessions: services.sessions }),
      (app) => registerOAuthTokenRoutes(app, { sessions: services.sessions }),
      (app) => registerIntegrationApiRoutes(app, { integrations: services.integrations }),
      (app) => registerCredentialsRoute(app, { integrations: services.integrations }),
      (app) => registerServerSettingsRoute(app),
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
  const clouds = await buildCloudListeners(config, services, logger);
  let stsUrl: string | undefined;
  let contentUrl: string | undefined;
  let cloudUrls: { gcp: string | undefined; azure: string | undefined } = { gcp: undefined, azure: undefined };
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
      cloudUrls = await clouds.listen();
      return url;
    },
    stsUrl: () => stsUrl,
    contentUrl: () => contentUrl,
    cloudUrls: () => cloudUrls,
    async close() {
      await clouds.close();
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
  const logger = createLogger(config.log.level, undefined, config.log.format);
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
    cloudUrls: () => ({ gcp: undefined, azure: undefined }),
    async close() {
      await http.close();
      await services.close();
    },
  };
}

/**
 * The local Google STS (`gcp.listen`) and the local Entra endpoint (`azure.listen`, TLS) on
 * listeners of their own, when enabled.
 */
async function buildCloudListeners(config: ResolvedConfig, services: Services, logger: ReturnType<typeof createLogger>) {
  const gcp = config.gcp.enabled && config.gcp.listen !== undefined ? await buildGcpListener({ logger, gcp: services.gcp }) : undefined;
  let azure: FastifyInstance | undefined;
  if (config.azure.enabled && config.azure.listen !== undefined) {
    const { certFile, keyFile } = config.azure.tls;
    if (certFile === undefined || keyFile === undefined) throw new RoleportError('ERR_CONFIG_INVALID', 'azure.tls.certFile and azure.tls.keyFile: the local Entra endpoint serves https only (MSAL refuses http:// authorities)');
    azure = await buildAzureListener({ logger, entra: services.entra, tls: { certFile, keyFile } });
  }
  return {
    /** The one listener built (the standalone `serve` commands build one). */
    instance: gcp ?? azure,
    async listen(): Promise<{ gcp: string | undefined; azure: string | undefined }> {
      const urls: { gcp: string | undefined; azure: string | undefined } = { gcp: undefined, azure: undefined };
      if (gcp !== undefined) {
        const [host, port] = splitListen(config.gcp.listen!);
        urls.gcp = await gcp.listen({ host, port });
      }
      if (azure !== undefined) {
        const [host, port] = splitListen(config.azure.listen!);
        // Fastify names the scheme from its own https option; TLS comes from the server factory here.
        urls.azure = (await azure.listen({ host, port })).replace(/^http:/, 'https:');
      }
      return urls;
    },
    async close(): Promise<void> {
      await gcp?.close();
      await azure?.close();
    },
  };
}

/**
 * Only one cloud's local counterpart (`roleport gcp serve`, `roleport azure serve`): the
 * services, and that counterpart's own listener. No broker routes, no key rotation timer.
 */
export async function createCloudApplication(config: ResolvedConfig, cloud: 'gcp' | 'azure', options: ServicesOptions = {}): Promise<Application> {
  const listen = cloud === 'gcp' ? config.gcp.listen : config.azure.listen;
  if (listen === undefined) throw new TypeError(`createCloudApplication needs config.${cloud}.listen`);
  const logger = createLogger(config.log.level, undefined, config.log.format);
  const only = { ...config, gcp: { ...config.gcp, enabled: cloud === 'gcp' }, azure: { ...config.azure, enabled: cloud === 'azure' } };
  const services = await createServices(config, { background: false, logger, ...options });
  let http: FastifyInstance;
  try {
    http = (await buildCloudListeners(only, services, logger)).instance as FastifyInstance;
  } catch (error) {
    await services.close();
    throw error;
  }
  let url: string | undefined;
  return {
    services,
    http,
    async listen() {
      const [host, port] = splitListen(listen);
      url = await http.listen({ host, port });
      if (cloud === 'azure') url = url.replace(/^http:/, 'https:');
      return url;
    },
    stsUrl: () => undefined,
    contentUrl: () => undefined,
    cloudUrls: () => ({ gcp: cloud === 'gcp' ? url : undefined, azure: cloud === 'azure' ? url : undefined }),
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
