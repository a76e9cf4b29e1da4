import { html } from './html.ts';
import { renderPage, type SignedInHeader } from './layout.ts';
import { SESSION_STYLESHEET_PATH } from './session-styles.ts';

export interface CliLoginConsentView {
  user: SignedInHeader;
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
  const body = html`<link rel="stylesheet" href="${SESSION_STYLESHEET_PATH}">
<h1>Sign in the Roleport CLI?</h1>
<p>A <code>roleport login</code> asks for a token to act as <strong>${view.user.username}</strong>: to start sessions and get AWS credentials for your roles.</p>
<p>Check that your terminal shows this code:</p>
<p class="user-code" id="user-code">${view.userCode}</p>
<dl id="cli-login-device">
<dt>Computer</dt><dd>${view.device === undefined ? html`<span class="muted">not named</span>` : html`<span id="device-name">${view.device}</span> <span class="hint">(as it names itself)</span>`}</dd>
<dt>Receives the token</dt><dd><code id="cli-listener">${view.listener}</code> <span class="hint">— a program on the computer this browser runs on</span></dd>
</dl>
<p class="notice">If you did not just run <code>roleport login</code>, or the code differs, press <strong>Cancel</strong>: a page you visited may be trying to get a token for your account.</p>
<form method="post" action="/cli/login" class="inline">
<input type="hidden" name="csrf" value="${view.user.csrfToken}">
${hidden}
<button type="submit" name="decision" value="allow" id="cli-login-allow">Sign in the CLI</button>
<button type="submit" name="decision" value="deny" id="cli-login-deny" class="secondary">Cancel</button>
</form>`;
  return renderPage({ title: 'Sign in the Roleport CLI', body, user: view.user });
}
