import Fastify, { type FastifyInstance, type FastifySchemaValidationError } from 'fastify';
import formbody from '@fastify/formbody';
import type { FastifyBaseLogger } from 'fastify';
import { registerApiErrorHandler } from './plugins/errors.ts';
import { formatSchemaErrors } from './schemas/text.ts';
import { createIssuerFastPath, registerIssuerRoutes, type IssuerRouteOptions } from './routes/public/issuer.ts';
import { createNodeServerFactory, type NodeFastPath, type TlsFiles } from './node-server.ts';
import { registerOpsRoutes, type OpsRouteOptions } from './routes/ops/health.ts';
import { registerRateLimits, type RateLimitRule, type RouteLimiters } from './plugins/rate-limits.ts';

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
  /** Routes also answered before Fastify's router (the token endpoint's), built once the routes are ready. */
  fastPaths?: ReadonlyArray<(context: FastPathContext) => FastPath>;
}

/** Answers a request before Fastify's router and returns true, or returns false and leaves it to Fastify (node-server.ts). */
export type FastPath = NodeFastPath;

/** What a fast path takes from the Fastify app so as to answer as its route would. */
export interface FastPathContext {
  /** The rate limiter a limited route uses (plugins/rate-limits.ts). */
  limiter: RouteLimiters;
  /** A body schema compiled by the app's own validator compiler, as the route's is. */
  compileBodySchema(schema: object, method: string, url: string): CompiledBodySchema;
  /** The listener's body limit. */
  bodyLimit: number;
}

/** A compiled body schema: true, or false with `errors` set (ajv's validate function). */
export interface CompiledBodySchema {
  (body: unknown): boolean;
  errors?: FastifySchemaValidationError[] | null | undefined;
}

const BODY_LIMIT = 256 * 1024;

/** Builds the Fastify app: logging with secrets redacted, error handling, the route groups. */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    bodyLimit: BODY_LIMIT,
    // Path parameters are checked by each route's schema (a username may have 255 characters), not cut at Fastify's default 100.
    routerOptions: { maxParamLength: 2048 },
    schemaErrorFormatter: formatSchemaErrors,
    serverFactory: createNodeServerFactory({ tls: options.tls, fastPath: (request, response, leading) => fastPaths.some((answer) => answer(request, response, leading)), logger: options.logger, headers: options.securityHeaders }),
  });
  const fastPaths: FastPath[] = [createIssuerFastPath(options.issuer)];
  await app.register(formbody);
  const limiter: RouteLimiters = options.rateLimits.length > 0 ? await registerRateLimits(app, options.rateLimits) : () => undefined;
  app.addHook('onReady', async () => {
    const context: FastPathContext = {
      limiter,
      compileBodySchema: (schema, method, url) => {
        // Set once the app's routes are compiled, which they are by onReady.
        const compile = app.validatorCompiler;
        if (compile === undefined) throw new Error('the validator compiler is not set up');
        return compile({ schema, method, url, httpPart: 'body' }) as CompiledBodySchema;
      },
      bodyLimit: BODY_LIMIT,
    };
    for (const build of options.fastPaths ?? []) fastPaths.push(build(context));
  });
  registerApiErrorHandler(app);
  registerIssuerRoutes(app, options.issuer);
  registerOpsRoutes(app, options.ops);
  for (const register of options.extraRoutes ?? []) await register(app);
  return app;
}
