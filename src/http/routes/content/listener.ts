import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { RoleportError } from '../../../core/index.ts';
import { createNodeServerFactory, type TlsFiles } from '../../node-server.ts';
import { registerHtmlErrorHandler } from '../../plugins/html-errors.ts';
import { registerContentOriginRoutes, type ContentOriginRouteOptions } from './index.ts';
import { formatSchemaErrors } from '../../schemas/text.ts';

export interface ContentListenerOptions {
  logger: FastifyBaseLogger;
  trustedProxies: readonly string[];
  /** The broker's certificate files; it must name the content host too (or TLS ends at a proxy). */
  tls?: TlsFiles | undefined;
  routes: ContentOriginRouteOptions;
  /** Headers every response carries (nosniff, HSTS when https), as on the broker. */
  securityHeaders: Readonly<Record<string, string>>;
}

/**
 * What every response of the content origin carries besides the upstream's own headers (a
 * policy of the upstream stays, and both apply): a sandbox that keeps scripts and same-origin
 * storage (content apps need them) but no plugins and no navigating a framing page; framing
 * only by the content origin itself; a browsing context group of its own (COOP), so no
 * broker window can be reached through `window.opener`; and no embedding of its responses
 * by other sites (CORP).
 *
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy/sandbox
 * @see https://html.spec.whatwg.org/multipage/browsers.html#cross-origin-opener-policies
 */
export const CONTENT_ORIGIN_CSP =
  "sandbox allow-downloads allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts; frame-ancestors 'self'; base-uri 'self'";
const CONTENT_ORIGIN_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'SAMEORIGIN',
} as const;

/**
 * A Fastify app serving only the content origin (`content.listen`, public at
 * `content.origin`): published content proxied to its upstream, the hand-off callback, and
 * `/healthz`. It shares nothing with the broker's listener but the services.
 */
export async function buildContentListener(options: ContentListenerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    bodyLimit: 256 * 1024,
    schemaErrorFormatter: formatSchemaErrors,
    serverFactory: createNodeServerFactory({ tls: options.tls, logger: options.logger, headers: options.securityHeaders }),
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    const upstreamPolicy = reply.getHeader('content-security-policy');
    reply.header('content-security-policy', upstreamPolicy === undefined ? CONTENT_ORIGIN_CSP : [...[upstreamPolicy].flat().map(String), CONTENT_ORIGIN_CSP]);
    reply.headers(CONTENT_ORIGIN_HEADERS);
    return payload;
  });
  // No broker sign-in reaches this origin: its error pages have no signed-in header.
  registerHtmlErrorHandler(app, async (request) => ({ user: undefined, path: request.url }));
  app.setNotFoundHandler(() => {
    throw new RoleportError('ERR_NOT_FOUND', 'this is Roleport\'s content origin: content lives at /content/<guid>/');
  });
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  await registerContentOriginRoutes(app, options.routes);
  return app;
}
