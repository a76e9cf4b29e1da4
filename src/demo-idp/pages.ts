import type { ServerResponse } from 'node:http';
import type { InteractionDetails } from './oidc-provider-shapes.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** A bare page; `body` must already be escaped. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${htmlEscape(title)}</title></head><body>${body}</body></html>`;
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
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
 */
export function renderLoginForm(details: InteractionDetails, username: string, error: string | undefined, text: LoginFormText): string {
  const uid = encodeURIComponent(details.uid);
  const clientId = typeof details.params['client_id'] === 'string' ? details.params['client_id'] : '';
  return page(
    'Sign in',
    `<h1>Sign in to the ${htmlEscape(text.name)}</h1>
<p>to continue to <span id="client-id">${htmlEscape(clientId)}</span></p>
${error ? `<p id="login-error" role="alert">${htmlEscape(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${uid}/login" autocomplete="off">
<label for="username">Username</label> <input id="username" name="username" value="${htmlEscape(username)}" autofocus>
<label for="password">Password</label> <input id="password" name="password" type="password">
<button id="sign-in" type="submit">Sign in</button>
</form>
<form id="abort-form" method="post" action="/interaction/${uid}/abort"><button id="cancel" type="submit">Cancel</button></form>${text.note === undefined ? '' : `\n<p id="login-note">${text.note}</p>`}`,
  );
}
