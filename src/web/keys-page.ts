import { actionForm } from './components.ts';
import { formatDuration, relativeTime } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInPage } from './layout.ts';

/** A signing key as the page lists it (epoch milliseconds). */
export interface KeyView {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retired';
  createdAt: number;
  activateAfter: number;
  activatedAt: number | null;
  retiredAt: number | null;
  removeAfter: number | null;
}

export interface KeysPageView {
  page: SignedInPage;
  keys: readonly KeyView[];
  now: number;
  /** How long a new key is published before it signs. */
  prePublicationMs: number;
  /** How often keys rotate by themselves (0: only when asked). */
  rotationIntervalMs: number;
  jwksUrl: string;
}

const STATE_HELP: Record<KeyView['state'], string> = {
  next: 'published, not signing yet',
  active: 'signs new tokens',
  retired: 'published until its tokens expire',
};

/** The issuer's signing keys: their states and dates; rotate, or rotate at once for a compromised key. */
export function renderKeysPage(view: KeysPageView): string {
  const csrf = view.page.user.csrfToken;
  const body = html`<h1>Signing keys</h1>
<p class="lead">Roleport signs its tokens with these keys; AWS and every other verifier fetch the public halves from <a href="${view.jwksUrl}"><code>${view.jwksUrl}</code></a>. ${
    view.rotationIntervalMs === 0 ? 'Keys rotate only when an admin asks.' : `Keys rotate by themselves every ${formatDuration(view.rotationIntervalMs)}.`
  }</p>
<div class="table-scroll"><table id="keys">
<caption class="sr-only">Signing keys, newest first</caption>
<thead><tr><th scope="col">Key ID (kid)</th><th scope="col">Algorithm</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Signs from</th><th scope="col">Retired</th><th scope="col">Leaves JWKS</th></tr></thead>
<tbody>
${view.keys.map(
  (key) => html`<tr class="key" data-kid="${key.kid}" data-state="${key.state}">
<th scope="row"><code>${key.kid}</code></th>
<td>${key.alg}</td>
<td><span class="state state-${key.state}">${key.state}</span><span class="hint">${STATE_HELP[key.state]}</span></td>
<td class="nowrap">${relativeTime(key.createdAt, view.now)}</td>
<td class="nowrap">${relativeTime(key.activatedAt ?? key.activateAfter, view.now)}</td>
<td class="nowrap">${time(key.retiredAt, view.now)}</td>
<td class="nowrap">${time(key.removeAfter, view.now)}</td>
</tr>`,
)}
</tbody>
</table></div>
<section aria-labelledby="rotate-title">
<h2 id="rotate-title">Rotate</h2>
<p>Creates a new key and publishes it now. It starts signing after ${formatDuration(view.prePublicationMs)}, once every verifier's cached JWKS has it; the current key then retires and stays published until the last token it signed has expired. Nothing breaks: this is the routine rotation.</p>
<p class="actions">${actionForm({ action: '/admin/keys/rotate', csrf, label: 'Rotate the signing key', id: 'rotate-key', confirm: `Create a new signing key? It signs from ${formatDuration(view.prePublicationMs)} from now; the current key then retires.`, returnTo: '/admin/keys' })}</p>
</section>
<section aria-labelledby="rotate-now-title">
<h2 id="rotate-now-title">Rotate immediately</h2>
<div class="notice warning"><p>Only for a key that may be compromised. The new key signs at once, skipping the pre-publication window: AWS and other verifiers that cached the JWKS in the last ${formatDuration(view.prePublicationMs)} refuse tokens signed with it until their cache expires, so sessions may fail to get credentials for that long. The old key retires at once; remove it from anything that pinned it.</p></div>
<p class="actions">${actionForm({
    action: '/admin/keys/rotate',
    csrf,
    label: 'Rotate immediately',
    id: 'rotate-key-immediately',
    confirm: 'Rotate immediately? Verifiers with a cached JWKS will refuse new tokens until their cache expires.',
    returnTo: '/admin/keys',
    fields: { immediate: 'true' },
    danger: true,
  })}</p>
</section>`;
  return renderPage(view.page, { title: 'Signing keys', body });
}

function time(ms: number | null, now: number): SafeHtml {
  return ms === null ? html`<span class="muted">—</span>` : relativeTime(ms, now);
}
