import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { RoleportError } from '../../core/index.ts';

export interface RateLimit {
  max: number;
  windowSeconds: number;
}

/** Routes (their full URLs, as registered) and the limit each gets. */
export interface RateLimitRule {
  paths: readonly string[];
  limit: RateLimit;
}

/**
 * Rate limits by client address (`request.ip`, so behind trusted proxies the forwarded
 * address) on the routes listed here and nowhere else: which routes are limited is decided
 * in one place, not in each route module. Counting is @fastify/rate-limit's (in memory, per
 * route and per process). Past the limit a route answers `ERR_RATE_LIMITED` (429, with
 * `Retry-After`), which each scope's error handler shapes in its protocol.
 *
 * Must be registered before the routes it limits (it works through `onRoute`).
 * @see https://github.com/fastify/fastify-rate-limit
 */
export async function registerRateLimits(app: FastifyInstance, rules: readonly RateLimitRule[]): Promise<void> {
  const limits = new Map(rules.flatMap((rule) => rule.paths.map((path) => [path, rule.limit] as const)));
  // Runs before the plugin's own onRoute hook (added below), which reads the route's config.
  app.addHook('onRoute', (route) => {
    const limit = limits.get(route.url);
    if (limit !== undefined) route.config = { ...(route.config as object), rateLimit: { max: limit.max, timeWindow: limit.windowSeconds * 1000 } };
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new RoleportError('ERR_RATE_LIMITED', `too many requests from this address; retry in ${context.after}`),
  });
}
