import type { FastifyRequest } from 'fastify';
import { RoleportError } from '../../core/index.ts';

export interface CsrfCheckOptions {
  /** The broker's public origin (`https://roleport.example.com`); a foreign `Origin` header is refused. */
  expectedOrigin: string;
  /** Verifies the synchronizer token sent in the form against the browser's session. */
  verifyToken: (token: string | undefined) => boolean;
}

/**
 * CSRF defence for form posts: the synchronizer token (a hidden field tied to the browser
 * session) must verify, and if the browser names the page's origin it must be ours. The
 * session cookie is also SameSite=Lax, so cross-site posts do not carry it at all.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
export function checkCsrf(request: FastifyRequest, token: string | undefined, options: CsrfCheckOptions): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null' && origin !== options.expectedOrigin) {
    throw new RoleportError('ERR_CSRF', `the form was sent from another site (${origin}); open Roleport and try again`);
  }
  if (!options.verifyToken(token)) {
    throw new RoleportError('ERR_CSRF', 'the form is out of date or was not sent from Roleport; reload the page and try again');
  }
}
