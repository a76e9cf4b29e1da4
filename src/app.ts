import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from './config/index.ts';
import { buildHttpServer } from './http/server.ts';
import { createServices, type Services, type ServicesOptions } from './services.ts';
import { createLogger } from './logger.ts';

export interface Application {
  services: Services;
  http: FastifyInstance;
  /** Listens on the configured address; resolves with the bound URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The composition root: services plus the HTTP adapter, wired. No logic lives here. */
export async function createApplication(config: ResolvedConfig, options: ServicesOptions = {}): Promise<Application> {
  const logger = createLogger(config.log.level);
  const services = await createServices(config, { background: true, logger, ...options });
  const http = await buildHttpServer({
    logger,
    trustedProxies: config.trustedProxies,
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
  });
  return {
    services,
    http,
    async listen() {
      const [host, port] = splitListen(config.listen);
      return http.listen({ host, port });
    },
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
