import type { ServerResponse } from 'node:http';
import { favicon, FAVICON_PATH, renderStandalonePage, stylesheet, STYLESHEET_PATH, trustedHtml } from '../web/index.ts';
import type { InteractionDetails } from './oidc-provider-shapes.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** A page in the broker's look, under the IdP's own name; `body` must already be escaped. */
export function page(title: string, body: string): string {
  return renderStandalonePage({ title, brand: 'Roleport demo IdP', body: trustedHtml(body) });
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

/** Serves the stylesheet and favicon its pages link to (from this IdP's own origin); false for any other request. */
export function serveStaticFile(req: { method?: string | undefined; url?: string | undefined }, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const path = (req.url ?? '').split('?')[0];
  const file = path === STYLESHEET_PATH ? { type: 'text/css; charset=utf-8', body: stylesheet } : path === FAVICON_PATH ? { type: 'image/svg+xml', body: favicon } : undefined;
  if (file === undefined) return false;
  res.writeHead(200, { 'content-type': file.type, 'cache-control': 'public, max-age=3600' });
  res.end(file.body);
  return true;
}

export interface LoginFormText {
  /** Shown as "Sign in to the <name>". */
  name: string;
  /** An optional line under the form (already escaped HTML), e.g. the demo users. */
  note?: string | undefined;
}

/**
 * The login form: `#username`, `#password`, `#sign-in` (tests and the headless login rely on
 * these ids and on `<form id="login-form" method="post" action="…">`), and a cancel form.
 * After a wrong password it keeps the username and says what went wrong, above the form.
 */
export function renderLoginForm(details: InteractionDetails, username: string, error: string | undefined, text: LoginFormText): string {
  const uid = encodeURIComponent(details.uid);
  const clientId = typeof details.params['client_id'] === 'string' ? details.params['client_id'] : '';
  return page(
    'Sign in',
    `<h1>Sign in to the ${htmlEscape(text.name)}</h1>
<p>to continue to <strong id="client-id">${htmlEscape(clientId)}</strong></p>
${error ? `<p class="notice error" id="login-error" role="alert">${htmlEscape(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${uid}/login" autocomplete="off">
<div class="field${error ? ' invalid' : ''}"><label for="username">Username</label><input id="username" name="username" value="${htmlEscape(username)}"${error ? '' : ' autofocus'} required></div>
<div class="field${error ? ' invalid' : ''}"><label for="password">Password</label><input id="password" name="password" type="password"${error ? ' autofocus aria-describedby="login-error" aria-invalid="true"' : ''} required></div>
<p class="actions"><button id="sign-in" type="submit">Sign in</button> <button id="cancel" type="submit" form="abort-form" class="secondary">Cancel</button></p>
</form>
<form id="abort-form" method="post" action="/interaction/${uid}/abort"></form>${text.note === undefined ? '' : `\n<p class="notice" id="login-note">${text.note}</p>`}`,
  );
}
