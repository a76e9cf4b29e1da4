import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface OpsRouteOptions {
  checkDatabase: () => Promise<void>;
  keysReady: () => boolean;
  /** A probe write to the audit log: tokens are not issued while it fails, so neither is readiness. */
  auditWritable: () => Promise<boolean>;
  metrics: Registry;
}

/** Liveness, readiness and Prometheus metrics. */
export function registerOpsRoutes(app: FastifyInstance, options: OpsRouteOptions): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await options.checkDatabase();
      checks['database'] = 'ok';
    } catch {
      checks['database'] = 'unreachable';
    }
    checks['signing_key'] = options.keysReady() ? 'ok' : 'not loaded';
    checks['audit_log'] = checks['database'] === 'ok' && (await options.auditWritable().catch(() => false)) ? 'ok' : 'not writable';
    const ready = Object.values(checks).every((value) => value === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    return reply.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
}
