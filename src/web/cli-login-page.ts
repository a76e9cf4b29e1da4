import { html } from './html.ts';
import { renderPage, type PageContext, type SignedInPage } from './layout.ts';

export interface CliLoginConsentView {
  page: SignedInPage;
  /** The short code `roleport login` printed, to compare with the terminal's. */
  userCode: string;
  /** The name the CLI's machine gave itself, if any (unverified). */
  device: string | undefined;
  /** Where the code goes: the CLI's listener on this computer (`127.0.0.1:PORT`). */
  listener: string;
  /** The request, carried unchanged to the confirming post. */
  fields: { redirect_uri: string; state: string; code_challenge: string; user_code: string; device: string };
}

/**
 * Asks before a CLI gets a token for the signed-in user (as `gh auth login`'s one-time code):
 * the code the terminal shows, the program that would receive the token, and two buttons.
 * Nothing leaves the browser until the user presses "Sign in the CLI".
 */
export function renderCliLoginConsent(view: CliLoginConsentView): string {
  const hidden = Object.entries(view.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  const body = html`<h1>Sign in the Roleport CLI?</h1>
<p class="lead">A <code>roleport login</code> asks for a token to act as <strong>${view.page.user.username}</strong>: to start sessions and get AWS credentials for your roles.</p>
<p>Check that your terminal shows this code:</p>
<p class="user-code" id="user-code">${view.userCode}</p>
<dl id="cli-login-device">
<dt>Computer</dt><dd>${view.device === undefined ? html`<span class="muted">not named</span>` : html`<span id="device-name">${view.device}</span> <span class="muted">(as it names itself)</span>`}</dd>
<dt>Receives the token</dt><dd><code id="cli-listener">${view.listener}</code> <span class="muted">— a program on the computer this browser runs on</span></dd>
</dl>
<p class="notice warning">If you did not just run <code>roleport login</code>, or the code differs, press <strong>Cancel</strong>: a page you visited may be trying to get a token for your account.</p>
<form method="post" action="/cli/login" class="actions">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
${hidden}
<button type="submit" name="decision" value="allow" id="cli-login-allow">Sign in the CLI</button>
<button type="submit" name="decision" value="deny" id="cli-login-deny" class="secondary">Cancel</button>
</form>`;
  return renderPage(view.page, { title: 'Sign in the Roleport CLI', body });
}

/** How the CLI's sign-in ended, as its listener reports it back to the broker. */
export type CliLoginOutcome = 'signed-in' | 'cancelled' | 'failed';

const OUTCOMES: Record<CliLoginOutcome, { title: string; message: string }> = {
  'signed-in': { title: 'The Roleport CLI is signed in', message: 'You can close this tab and return to the terminal.' },
  cancelled: { title: 'The CLI was not signed in', message: 'You cancelled: no token left the browser. You can close this tab.' },
  failed: { title: 'The CLI sign-in failed', message: 'The terminal says why. Run roleport login again to retry; you can close this tab.' },
};

/**
 * Where `roleport login`'s listener sends the browser once done: the outcome in the broker's
 * own page (styled, with the navigation). The listener names only the outcome; who is signed
 * in is this browser's own session.
 */
export function renderCliLoginDone(page: PageContext, outcome: CliLoginOutcome): string {
  const { title, message } = OUTCOMES[outcome];
  const body = html`<h1 id="cli-login-outcome" data-outcome="${outcome}">${title}</h1>
${outcome === 'signed-in' && page.user !== undefined ? html`<p class="notice success" role="status">Signed in as ${page.user.username}: the CLI acts as you until you run <code>roleport logout</code>.</p>` : ''}
<p>${message}</p>`;
  return renderPage(page, { title, body });
}
