import rateLimit, { normalizeIP, type FastifyRateLimitStore } from '@fastify/rate-limit';
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
 * One route's limit as a fast path (answering before Fastify's router) applies it: the same
 * counters as the route's @fastify/rate-limit hook, keyed the same way.
 */
export interface RouteLimiter {
  /**
   * Counts a request from `clientIp` and returns the headers the plugin would add, or
   * undefined — counting nothing — when the request would be over the limit: then the route
   * itself must answer it (429 in its protocol, with `Retry-After`).
   */
  admit(clientIp: string): Record<string, string> | undefined;
}

/** The limiter of a limited route (method and path, as registered), for fast paths; undefined for a route that is not limited. */
export type RouteLimiters = (method: string, path: string) => RouteLimiter | undefined;

/**
 * Rate limits by client address (`request.ip`, so behind trusted proxies the forwarded
 * address) on the routes listed here and nowhere else: which routes are limited is decided
 * in one place, not in each route module. Counting is @fastify/rate-limit's rules (in memory,
 * per route and per process) over a store of ours, which fast paths share (`RouteLimiters`).
 * Past the limit a route answers `ERR_RATE_LIMITED` (429, with `Retry-After`), which each
 * scope's error handler shapes in its protocol.
 *
 * Must be registered before the routes it limits (it works through `onRoute`).
 * @see https://github.com/fastify/fastify-rate-limit
 */
export async function registerRateLimits(app: FastifyInstance, rules: readonly RateLimitRule[]): Promise<RouteLimiters> {
  const limits = new Map(rules.flatMap((rule) => rule.paths.map((path) => [path, rule.limit] as const)));
  // One count per route (method and path), as the plugin keeps them.
  const stores = new Map<string, WindowStore>();
  const storeOf = (method: string, path: string): WindowStore => {
    const route = `${method} ${path}`;
    let store = stores.get(route);
    if (store === undefined) stores.set(route, (store = new WindowStore()));
    return store;
  };
  // Runs before the plugin's own onRoute hook (added below), which reads the route's config.
  app.addHook('onRoute', (route) => {
    const limit = limits.get(route.url);
    if (limit !== undefined) route.config = { ...(route.config as object), rateLimit: { max: limit.max, timeWindow: limit.windowSeconds * 1000 } };
  });
  // The plugin asks its store for a child per limited route; each route's child is the path's store.
  class RouteStores {
    incr(): void {
      throw new Error('rate limits apply per route');
    }
    // At run time the plugin passes the route's merged limit options, the route under `routeInfo` (its typings say otherwise).
    child(params: object): FastifyRateLimitStore {
      const route = (params as { routeInfo?: { url?: string; method?: string | string[] } }).routeInfo;
      if (route?.url === undefined || !limits.has(route.url)) throw new Error(`rate limit asked for an unlisted route ${String(route?.url)}`);
      return storeOf(String(route.method), route.url);
    }
  }
  await app.register(rateLimit, {
    global: false,
    store: RouteStores,
    errorResponseBuilder: (_request, context) => new RoleportError('ERR_RATE_LIMITED', `too many requests from this address; retry in ${context.after}`),
  });
  return (method, path) => {
    const limit = limits.get(path);
    if (limit === undefined) return undefined;
    const store = storeOf(method, path);
    const max = limit.max;
    const maxText = String(max);
    const windowMs = limit.windowSeconds * 1000;
    // The last address and its key: a client sends many requests in a row (an agent, a proxy).
    let lastIp = '';
    let lastKey = '';
    return {
      admit(clientIp) {
        if (clientIp !== lastIp) {
          lastKey = normalizeIP(clientIp);
          lastIp = clientIp;
        }
        const key = lastKey;
        if (store.peek(key, windowMs) + 1 > max) return undefined;
        const { current, ttl } = store.count(key, windowMs);
        // The plugin's headers while under the limit (x-ratelimit-*), with its rounding.
        return { 'x-ratelimit-limit': maxText, 'x-ratelimit-remaining': String(Math.max(0, max - current)), 'x-ratelimit-reset': String(Math.ceil(ttl / 1000)) };
      },
    };
  };
}

/** Most addresses a route's store remembers (the plugin's default LRU size). */
const STORE_ENTRIES = 5000;

/**
 * A fixed window per key, as @fastify/rate-limit's LocalStore counts it (without the ban and
 * backoff options, which Roleport does not use), in a least-recently-used map.
 */
class WindowStore implements FastifyRateLimitStore {
  private readonly windows = new Map<string, { current: number; startMs: number }>();

  count(key: string, windowMs: number): { current: number; ttl: number } {
    const now = Date.now();
    let entry = this.windows.get(key);
    if (entry === undefined || entry.startMs + windowMs <= now) entry = { current: 1, startMs: now };
    else entry.current++;
    this.windows.delete(key);
    this.windows.set(key, entry);
    if (this.windows.size > STORE_ENTRIES) this.windows.delete(this.windows.keys().next().value!);
    return { current: entry.current, ttl: windowMs - (now - entry.startMs) };
  }

  /** The count so far in the current window, changing nothing. */
  peek(key: string, windowMs: number): number {
    const entry = this.windows.get(key);
    return entry === undefined || entry.startMs + windowMs <= Date.now() ? 0 : entry.current;
  }

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    callback(null, this.count(key, timeWindow));
  }

  child(): FastifyRateLimitStore {
    return this;
  }
}
