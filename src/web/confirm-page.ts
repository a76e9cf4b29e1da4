import { html } from './html.ts';
import { renderPage, type SignedInPage } from './layout.ts';

export interface ConfirmView {
  page: SignedInPage;
  title: string;
  /** The question, and what follows from the answer. */
  question: string;
  consequence: string;
  /** The form to send again, with `confirmed=yes`. */
  action: string;
  fields: Readonly<Record<string, string>>;
  confirmLabel: string;
  /** Where "Cancel" goes (the page the action came from). */
  cancelHref: string;
  danger: boolean;
}

/**
 * The confirmation a destructive action asks for when the browser did not (no JavaScript):
 * the same form again with `confirmed=yes`, or a way back that changes nothing.
 */
export function renderConfirmPage(view: ConfirmView): string {
  const body = html`<h1>${view.title}</h1>
<div class="notice warning" id="confirm-question"><p><strong>${view.question}</strong></p><p>${view.consequence}</p></div>
<form method="post" action="${view.action}" class="actions" id="confirm-form">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
${Object.entries(view.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<input type="hidden" name="confirmed" value="yes">
<button type="submit" id="confirm-yes"${view.danger ? html` class="danger"` : ''}>${view.confirmLabel}</button>
<a class="button secondary" id="confirm-cancel" href="${view.cancelHref}">Cancel</a>
</form>`;
  return renderPage(view.page, { title: view.title, body });
}
