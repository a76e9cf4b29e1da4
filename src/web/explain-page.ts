import { errorSummary, type FieldErrors } from './components.ts';
import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInPage } from './layout.ts';

/** The explain form as typed. */
export interface ExplainFormValues {
  role: string;
  policy: string;
  token: string;
  claims: string;
  provider: string;
  sessionName: string;
  durationSeconds: string;
  secureTransport: string;
  sourceIp: string;
  at: string;
}

/** A condition's trace, as the policy engine reports it. */
export interface ExplainConditionView {
  block: string;
  key: string;
  matched: boolean;
  explanation: string;
}

/** A statement's trace, as the policy engine reports it. */
export interface ExplainStatementView {
  index: number;
  sid: string | undefined;
  effect: string;
  principal: { matched: boolean; detail: string };
  action: { matched: boolean; detail: string };
  resource: { matched: boolean; detail: string };
  conditions: readonly ExplainConditionView[];
  applies: boolean;
}

/** What `roleport policy explain` works out (aws/explain.ts `ExplainResult`), as the page shows it. */
export interface ExplainResultView {
  decision: 'allow' | 'deny';
  reason: string;
  action: string;
  statements: readonly ExplainStatementView[];
  failingConditions: ReadonlyArray<{ statement: number; sid: string | undefined; key: string; explanation: string }>;
  related: ReadonlyArray<{ action: string; why: string; decision: 'allow' | 'deny'; statements: readonly ExplainStatementView[] }>;
  provider: { arn: string };
  audience: { value: string | undefined; reason: string };
  context: Readonly<Record<string, unknown>>;
  checks: ReadonlyArray<{ name: string; status: 'pass' | 'fail' | 'warn' | 'skip'; stsError: string | undefined; message: string }>;
  sts: { outcome: 'success' } | { outcome: 'error'; code: string; message: string };
  notes: readonly string[];
}

export interface ExplainPageView {
  page: SignedInPage;
  values: ExplainFormValues;
  /** The local STS's roles and providers to pick from. */
  roles: readonly string[];
  providers: readonly string[];
  errors?: FieldErrors | undefined;
  error?: string | undefined;
  result?: ExplainResultView | undefined;
  /** The same result in `roleport policy explain`'s own words (its text output). */
  text?: string | undefined;
}

/** Labels of the form's fields, for errors that name them. */
export const EXPLAIN_LABELS = {
  'explain-role': 'Role of the local STS',
  'explain-policy': 'Trust policy',
  'explain-token': 'Token',
  'explain-claims': 'Claims',
  'explain-provider': 'Provider',
  'explain-session-name': 'Role session name',
  'explain-duration': 'DurationSeconds',
  'explain-secure-transport': 'Secure transport',
  'explain-source-ip': 'Source IP',
  'explain-at': 'At (UTC)',
} as const;

const MARKS = { pass: '✓', fail: '✗', warn: '!', skip: '–' } as const;
const STATUS_WORDS = { pass: 'passed', fail: 'failed', warn: 'warning', skip: 'not checked' } as const;

/**
 * The trust-policy explainer: a policy (pasted, or a role's of the local STS) and a token or
 * its claims; the answer STS would give, every statement and condition with ✓/✗, the failing
 * conditions first and highlighted — worked out by the same function as `roleport policy
 * explain`, whose own text output is shown beside it.
 */
export function renderExplainPage(view: ExplainPageView): string {
  const { values } = view;
  const errors = view.errors ?? {};
  const fieldError = (id: keyof typeof EXPLAIN_LABELS): SafeHtml | '' =>
    errors[id] === undefined ? '' : html`<span class="field-error" id="${id}-error">${EXPLAIN_LABELS[id]}: ${errors[id]}</span>`;
  const invalid = (id: keyof typeof EXPLAIN_LABELS): SafeHtml | '' => (errors[id] === undefined ? '' : html` aria-invalid="true" aria-describedby="${id}-error"`);
  const fieldClass = (id: keyof typeof EXPLAIN_LABELS): string => (errors[id] === undefined ? 'field' : 'field invalid');
  const body = html`<h1>Explain a trust policy</h1>
<p class="lead">Why AWS STS would accept or refuse a web identity token for a role: the same answer and words as <code>roleport policy explain</code>, worked out here without calling AWS. The signature is not checked (explain has no keys).</p>
${errorSummary(errors, EXPLAIN_LABELS, view.error)}
${view.result === undefined ? '' : renderResult(view.result, view.text)}
<form method="post" action="/admin/explain" class="explain-form" id="explain-form">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
<div class="columns">
<fieldset>
<legend>The role</legend>
<div class="${fieldClass('explain-role')}"><label for="explain-role">Role of the local STS</label>
<select id="explain-role" name="role" aria-describedby="explain-role-hint"${invalid('explain-role')}>
<option value="">none: use the trust policy below</option>
${view.roles.map((arn) => html`<option value="${arn}"${arn === values.role ? html` selected` : ''}>${arn}</option>`)}
</select><span class="hint" id="explain-role-hint">Its trust policy, MaxSessionDuration and tags, as the local STS has them. The policy below, when given, is used instead.</span>${fieldError('explain-role')}</div>
<div class="${fieldClass('explain-policy')}"><label for="explain-policy">Trust policy</label>
<textarea id="explain-policy" name="policy" rows="12" spellcheck="false" aria-describedby="explain-policy-hint"${invalid('explain-policy')}>${values.policy}</textarea><span class="hint" id="explain-policy-hint">The role's trust policy as JSON.</span>${fieldError('explain-policy')}</div>
</fieldset>
<fieldset>
<legend>The request</legend>
<div class="${fieldClass('explain-token')}"><label for="explain-token">Token</label>
<textarea id="explain-token" name="token" rows="5" spellcheck="false" aria-describedby="explain-token-hint"${invalid('explain-token')}>${values.token}</textarea><span class="hint" id="explain-token-hint">A web identity token (a JWT). Or leave it empty and give its claims.</span>${fieldError('explain-token')}</div>
<div class="${fieldClass('explain-claims')}"><label for="explain-claims">Claims</label>
<textarea id="explain-claims" name="claims" rows="4" spellcheck="false" aria-describedby="explain-claims-hint"${invalid('explain-claims')}>${values.claims}</textarea><span class="hint" id="explain-claims-hint">A JSON object of claims, instead of a token.</span>${fieldError('explain-claims')}</div>
<div class="${fieldClass('explain-provider')}"><label for="explain-provider">Provider</label>
<input id="explain-provider" name="provider" value="${values.provider}" list="explain-providers" aria-describedby="explain-provider-hint"${invalid('explain-provider')}>
<datalist id="explain-providers">${view.providers.map((url) => html`<option value="${url}"></option>`)}</datalist><span class="hint" id="explain-provider-hint">URL or arn:aws:iam::ACCOUNT:oidc-provider/HOST; empty: the token's iss. A provider of the local STS also checks aud against its client IDs.</span>${fieldError('explain-provider')}</div>
<div class="${fieldClass('explain-session-name')}"><label for="explain-session-name">Role session name</label><input id="explain-session-name" name="session_name" value="${values.sessionName}"${invalid('explain-session-name')}>${fieldError('explain-session-name')}</div>
<div class="${fieldClass('explain-duration')}"><label for="explain-duration">DurationSeconds</label><input id="explain-duration" name="duration_seconds" value="${values.durationSeconds}" inputmode="numeric"${invalid('explain-duration')}>${fieldError('explain-duration')}</div>
<div class="${fieldClass('explain-secure-transport')}"><label for="explain-secure-transport">Secure transport</label><select id="explain-secure-transport" name="secure_transport">
${[
  ['', 'HTTPS (as every SDK calls)'],
  ['false', 'plain HTTP'],
].map(([value, label]) => html`<option value="${value}"${values.secureTransport === value ? html` selected` : ''}>${label}</option>`)}
</select>${fieldError('explain-secure-transport')}</div>
<div class="${fieldClass('explain-source-ip')}"><label for="explain-source-ip">Source IP</label><input id="explain-source-ip" name="source_ip" value="${values.sourceIp}"${invalid('explain-source-ip')}>${fieldError('explain-source-ip')}</div>
<div class="${fieldClass('explain-at')}"><label for="explain-at">At (UTC)</label><input id="explain-at" name="at" value="${values.at}" placeholder="now, or 2030-01-01T12:00:00Z" aria-describedby="explain-at-hint"${invalid('explain-at')}><span class="hint" id="explain-at-hint">The time of the request (ISO 8601 or epoch seconds); empty: now.</span>${fieldError('explain-at')}</div>
</fieldset>
</div>
<button type="submit" id="explain-submit">Explain</button>
</form>`;
  return renderPage(view.page, { title: 'Explain a trust policy', body });
}

function renderResult(result: ExplainResultView, text: string | undefined): SafeHtml {
  const granted = result.sts.outcome === 'success';
  return html`<section aria-labelledby="explain-verdict" class="explain-result">
<h2 id="explain-verdict" class="verdict ${granted ? 'allow' : 'deny'}" data-decision="${result.decision}" data-sts="${result.sts.outcome === 'success' ? 'success' : result.sts.code}">${
    result.sts.outcome === 'success' ? 'STS would answer: credentials' : `STS would answer: ${result.sts.code}`
  }</h2>
<p id="explain-sts-message">${result.sts.outcome === 'success' ? 'Every check STS makes without the keys passed (the signature is not verified here).' : result.sts.message}</p>
<p>Trust policy for <code>${result.action}</code>: <strong id="explain-decision">${result.decision}</strong> <span class="muted">(${result.reason})</span></p>
${
  result.failingConditions.length === 0
    ? ''
    : html`<div class="notice error" id="explain-failing"><p><strong>${result.failingConditions.length === 1 ? 'Failing condition' : 'Failing conditions'}</strong></p><ul>${result.failingConditions.map(
        (condition) => html`<li class="failing-condition"><span class="mark no" aria-hidden="true">✗</span> statement ${condition.statement}${condition.sid === undefined || condition.sid === '' ? '' : html` <code>${condition.sid}</code>`}: ${condition.explanation}</li>`,
      )}</ul></div>`
}
<h3>Statements</h3>
${statementList(result.statements, 'explain-statements')}
${result.related.map(
  (related) => html`<h3><code>${related.action}</code>: ${related.decision}</h3><p class="hint">${related.why}</p>${statementList(related.statements, undefined)}`,
)}
<h3>STS checks</h3>
<ul class="trace checks" id="explain-checks">${result.checks.map(
    (check) => html`<li class="${check.status === 'fail' ? 'failing' : ''}" data-check="${check.name}" data-status="${check.status}">${mark(check.status === 'pass' ? true : check.status === 'fail' ? false : undefined, STATUS_WORDS[check.status], MARKS[check.status])} <strong>${check.name}</strong>: ${check.stsError === undefined ? '' : html`<code>${check.stsError}</code>: `}${check.message}</li>`,
  )}</ul>
<h3>Request</h3>
<dl id="explain-request">
<dt>Provider</dt><dd><code>${result.provider.arn}</code></dd>
<dt>Audience</dt><dd>${result.audience.value === undefined ? html`<span class="muted">none</span>` : html`<code>${result.audience.value}</code>`} <span class="muted">(${result.audience.reason})</span></dd>
${Object.entries(result.context).map(([key, value]) => html`<dt><code>${key}</code></dt><dd><code>${JSON.stringify(value)}</code></dd>`)}
</dl>
${result.notes.length === 0 ? '' : html`<h3>Notes</h3><ul id="explain-notes">${result.notes.map((note) => html`<li>${note}</li>`)}</ul>`}
${text === undefined ? '' : html`<details id="explain-cli"><summary>As <code>roleport policy explain</code> prints it</summary><pre id="explain-text" tabindex="0">${text}</pre></details>`}
</section>`;
}

function statementList(statements: readonly ExplainStatementView[], id: string | undefined): SafeHtml {
  return html`<ol class="trace"${id === undefined ? '' : html` id="${id}"`} start="0">${statements.map(
    (statement) => html`<li class="statement" data-index="${statement.index}" data-applies="${statement.applies}">
<p><strong>Statement ${statement.index}</strong>${statement.sid === undefined || statement.sid === '' ? '' : html` <code>${statement.sid}</code>`}: ${statement.effect} — <span class="mark ${statement.applies ? 'yes' : 'no'}" aria-hidden="true">${statement.applies ? '✓' : '✗'}</span> ${statement.applies ? 'applies' : 'does not apply'}</p>
<ul>
<li>${mark(statement.principal.matched, 'matched')} Principal: ${statement.principal.detail}</li>
<li>${mark(statement.action.matched, 'matched')} Action: ${statement.action.detail}</li>
<li>${mark(statement.resource.matched, 'matched')} Resource: ${statement.resource.detail}</li>
${statement.conditions.map(
  (condition) => html`<li class="condition${condition.matched ? '' : ' failing'}" data-matched="${condition.matched}">${mark(condition.matched, condition.matched ? 'holds' : 'fails')} <code>${condition.block}</code> <code>${condition.key}</code>: ${condition.explanation}</li>`,
)}
</ul></li>`,
  )}</ol>`;
}

/** ✓ or ✗ (or another mark), with the words for screen readers. */
function mark(ok: boolean | undefined, words: string, symbol?: string): SafeHtml {
  const shown = symbol ?? (ok === true ? '✓' : '✗');
  return html`<span class="mark ${ok === true ? 'yes' : ok === false ? 'no' : ''}" aria-hidden="true">${shown}</span><span class="sr-only">${words}:</span>`;
}
