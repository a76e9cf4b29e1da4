import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { FastifyBaseLogger } from 'fastify';
import { registerApiErrorHandler } from './plugins/errors.ts';
import { formatSchemaErrors } from './schemas/text.ts';
import { createIssuerFastPath, registerIssuerRoutes, type IssuerRouteOptions } from './routes/public/issuer.ts';
import { createNodeServerFactory, type TlsFiles } from './node-server.ts';
import { registerOpsRoutes, type OpsRouteOptions } from './routes/ops/health.ts';
import { registerRateLimits, type RateLimitRule } from './plugins/rate-limits.ts';

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  /** Trusted reverse proxies (X-Forwarded-*), as Fastify's `trustProxy` accepts. */
  trustedProxies: readonly string[];
  /** Terminate TLS with these files (reloaded on change); unset behind a TLS-terminating proxy. */
  tls?: TlsFiles | undefined;
  /** Headers every response carries (see security-headers.ts). */
  securityHeaders: Readonly<Record<string, string>>;
  issuer: IssuerRouteOptions;
  ops: OpsRouteOptions;
  /** Routes limited per client address (see plugins/rate-limits.ts); empty: none. */
  rateLimits: readonly RateLimitRule[];
  /** Adds further route groups (STS, SSO, sessions…), wired by app.ts. */
  extraRoutes?: ReadonlyArray<(app: FastifyInstance) => void | Promise<void>>;
}

/** Builds the Fastify app: logging with secrets redacted, error handling, the route groups. */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    bodyLimit: 256 * 1024,
    // Path parameters are checked by each route's schema (a username may have 255 characters), not cut at Fastify's default 100.
    routerOptions: { maxParamLength: 2048 },
    schemaErrorFormatter: formatSchemaErrors,
    serverFactory: createNodeServerFactory({ tls: options.tls, fastPath: createIssuerFastPath(options.issuer), logger: options.logger, headers: options.securityHeaders }),
  });
  await app.register(formbody);
  if (options.rateLimits.length > 0) await registerRateLimits(app, options.rateLimits);
  registerApiErrorHandler(app);
  registerIssuerRoutes(app, options.issuer);
  registerOpsRoutes(app, options.ops);
  for (const register of options.extraRoutes ?? []) await register(app);
  return app;
}
