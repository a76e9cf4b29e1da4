import { html, type SafeHtml } from './html.ts';

/**
 * Pieces several pages share: a command block with a copy button, a destructive action's
 * form (asks first), paging links, and form fields that keep what was typed and name their
 * error by the field's label.
 */

/** A block of text to paste, with a copy button (shown by the page's script). */
export function commandBlock(id: string, label: string, text: string): SafeHtml {
  return html`<div class="command"><pre id="${id}" tabindex="0"><code>${text}</code></pre><button type="button" class="copy secondary small" data-copy="${id}" aria-label="Copy: ${label}" hidden>Copy</button></div>`;
}

export interface ActionFormOptions {
  action: string;
  csrf: string;
  label: string;
  id: string;
  /** The question asked before anything happens ("End session ses_…?"). */
  confirm: string;
  /** Where to come back to (the list with its filter), sent as `return_to`. */
  returnTo: string;
  /** Extra fields the action takes. */
  fields?: Readonly<Record<string, string>> | undefined;
  danger?: boolean | undefined;
  small?: boolean | undefined;
}

/**
 * A destructive action's form: its script asks `confirm` before sending; without JavaScript
 * the server asks on a page of its own (http/routes/web/confirmation.ts).
 */
export function actionForm(options: ActionFormOptions): SafeHtml {
  const classes = [options.danger === true ? 'danger' : '', 'secondary', options.small === true ? 'small' : ''].filter((name) => name !== '').join(' ');
  return html`<form method="post" action="${options.action}" class="inline" data-confirm="${options.confirm}"><input type="hidden" name="csrf" value="${options.csrf}"><input type="hidden" name="return_to" value="${options.returnTo}">${Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit" id="${options.id}" class="${classes}">${options.label}</button></form>`;
}

export interface PagerView {
  /** The first page's URL (filters kept), shown when this is not the first page. */
  firstHref: string | undefined;
  /** The next (older) page's URL, when there is one. */
  nextHref: string | undefined;
  /** "Showing 25 sessions, newest first". */
  summary: string;
  /** Names the pager for assistive technology ("Sessions pages"). */
  label: string;
}

/** Cursor paging, newest first: the newest page, and the next older one. */
export function pager(view: PagerView): SafeHtml {
  return html`<nav class="pager" aria-label="${view.label}"><span class="muted">${view.summary}</span>${
    view.firstHref === undefined ? '' : html`<a href="${view.firstHref}" id="page-first">Newest</a>`
  }${view.nextHref === undefined ? '' : html`<a href="${view.nextHref}" id="page-next" rel="next">Older →</a>`}</nav>`;
}

/** A field's error, as the form shows it: the message without the label (the label is beside it). */
export type FieldErrors = Readonly<Record<string, string>>;

export interface FieldOptions {
  /** The input's id; also the key of its error. */
  id: string;
  name: string;
  label: string;
  value: string;
  errors?: FieldErrors | undefined;
  hint?: string | SafeHtml | undefined;
  type?: string | undefined;
  required?: boolean | undefined;
  /** Extra attributes (already safe), e.g. html` maxlength="255"`. */
  attributes?: SafeHtml | undefined;
  /** A textarea of this many rows instead of an input. */
  rows?: number | undefined;
}

/**
 * A labelled input that shows what was typed and, after a refused submission, its error
 * right under it — linked with `aria-describedby` and marked `aria-invalid`.
 */
export function field(options: FieldOptions): SafeHtml {
  const error = options.errors?.[options.id];
  const hintId = `${options.id}-hint`;
  const errorId = `${options.id}-error`;
  const described = [options.hint === undefined ? '' : hintId, error === undefined ? '' : errorId].filter((id) => id !== '').join(' ');
  const common = html` id="${options.id}" name="${options.name}"${options.required === true ? html` required` : ''}${described === '' ? '' : html` aria-describedby="${described}"`}${error === undefined ? '' : html` aria-invalid="true"`}${options.attributes ?? ''}`;
  const control =
    options.rows === undefined
      ? html`<input${common} type="${options.type ?? 'text'}" value="${options.value}">`
      : html`<textarea${common} rows="${options.rows}">${options.value}</textarea>`;
  return html`<div class="field${error === undefined ? '' : ' invalid'}"><label for="${options.id}">${options.label}</label>${control}${
    options.hint === undefined ? '' : html`<span class="hint" id="${hintId}">${options.hint}</span>`
  }${error === undefined ? '' : html`<span class="field-error" id="${errorId}">${options.label}: ${error}</span>`}</div>`;
}

/** The errors of a refused form above it, each naming its field's label and linking to it. */
export function errorSummary(errors: FieldErrors, labels: Readonly<Record<string, string>>, general?: string | undefined): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0 && general === undefined) return html``;
  return html`<div class="notice error" role="alert" id="form-error"><p><strong>The form was not saved.</strong> ${general ?? ''}</p>${
    entries.length === 0 ? '' : html`<ul>${entries.map(([id, message]) => html`<li><a href="#${id}">${labels[id] ?? id}</a>: ${message}</li>`)}</ul>`
  }</div>`;
}

/** A form field as an API's error messages name it (`config.role_arn`) and as the page shows it. */
export interface FormFieldName {
  wire: string;
  id: string;
  label: string;
}

/**
 * Puts a refused submission's message on the field it is about: messages of the domain
 * modules start with the field's wire name (`config.role_arn "x" is not a valid IAM role
 * ARN`), which the page replaces by the label beside the field (`Role ARN: "x" is not a
 * valid IAM role ARN`). A message that names no field of the form stays general.
 */
export function errorsFromMessage(message: string, fields: readonly FormFieldName[]): { errors: FieldErrors; general: string | undefined } {
  const named = [...fields].sort((a, b) => b.wire.length - a.wire.length).find((f) => message === f.wire || new RegExp(`^${f.wire.replace(/[.]/g, '\\.')}\\b(?![._])`).test(message));
  if (named === undefined) return { errors: {}, general: message };
  const rest = message.slice(named.wire.length).replace(/^[:\s]+/, '');
  return { errors: { [named.id]: rest === '' ? 'is not valid' : rest }, general: undefined };
}
