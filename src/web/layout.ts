import { FAVICON_PATH } from './favicon.ts';
import { html, type SafeHtml } from './html.ts';
import { SCRIPT_PATH } from './script.ts';
import { STYLESHEET_PATH } from './styles.ts';

/** Who is signed in, for the header: the name, the CSRF token of the sign-out form, the admin right. */
export interface SignedInHeader {
  username: string;
  csrfToken: string;
  admin: boolean;
}

/**
 * What every page knows besides its own content: the visitor (for the header and the
 * navigation), the path shown (the navigation marks it), and a notice after an action.
 */
export interface PageContext {
  user: SignedInHeader | undefined;
  /** The request's path and query, e.g. `/admin/sessions?state=active`. */
  path: string;
  /** "Session revoked." after a redirect (web/notices.ts). */
  notice?: string | undefined;
}

/** The context of a page only signed-in visitors see. */
export interface SignedInPage extends PageContext {
  user: SignedInHeader;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
}

interface NavItem {
  href: string;
  label: string;
  /** Paths under this prefix mark the item as current too (a session's page marks "Your sessions"). */
  prefix?: string;
}

const USER_NAV: readonly NavItem[] = [
  { href: '/', label: 'Your roles' },
  { href: '/sessions', label: 'Your sessions', prefix: '/sessions/ses_' },
  { href: '/sessions/new', label: 'Start a session' },
];

const ADMIN_NAV: readonly NavItem[] = [
  { href: '/admin/sessions', label: 'All sessions' },
  { href: '/admin/users', label: 'Users', prefix: '/admin/users/' },
  { href: '/admin/integrations', label: 'Integrations', prefix: '/admin/integrations/' },
  { href: '/admin/keys', label: 'Signing keys' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/explain', label: 'Explain' },
];

/**
 * The shared page: a skip link, one header with the navigation (the admin pages for admins)
 * and the signed-in user on every page, error pages included, a notice after an action, one
 * `<main>`. Works without JavaScript; the sign-out form posts with its CSRF token, and the one
 * script (copy buttons, confirmations) is a file of our own.
 */
export function renderPage(page: PageContext, options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Roleport</title>
<link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml">
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<div class="bar">
<a class="brand" href="/"><img src="${FAVICON_PATH}" alt=""> Roleport</a>
<div class="account">${page.user === undefined ? html`<a href="/login" id="header-sign-in">Sign in</a>` : account(page.user)}</div>
</div>
${page.user === undefined ? '' : navigation(page.user, page.path)}
</header>
<main id="main">
${page.notice === undefined ? '' : html`<p class="notice success" role="status" id="notice">${page.notice}</p>`}
${options.body}
</main>
<p id="live-status" class="sr-only" role="status" aria-live="polite"></p>
</body>
</html>
`.value;
}

function navigation(user: SignedInHeader, path: string): SafeHtml {
  const items = user.admin ? [...USER_NAV, ...ADMIN_NAV] : USER_NAV;
  const current = currentItem(items, path.split('?')[0] ?? '/');
  const link = (item: NavItem): SafeHtml => html`<li><a href="${item.href}"${item === current ? html` aria-current="page"` : ''}>${item.label}</a></li>`;
  return html`<nav aria-label="Main" class="bar"><ul>${USER_NAV.map(link)}${user.admin ? html`<li class="divider" aria-hidden="true"></li>${ADMIN_NAV.map(link)}` : ''}</ul></nav>`;
}

/** The item the path belongs to: an exact match, else the longest prefix. */
function currentItem(items: readonly NavItem[], pathname: string): NavItem | undefined {
  const exact = items.find((item) => item.href === pathname);
  if (exact !== undefined) return exact;
  return items
    .filter((item) => item.prefix !== undefined && pathname.startsWith(item.prefix))
    .sort((a, b) => (b.prefix?.length ?? 0) - (a.prefix?.length ?? 0))[0];
}

function account(user: SignedInHeader): SafeHtml {
  return html`<span>Signed in as <strong id="current-user">${user.username}</strong>${user.admin ? html` <span class="badge" id="admin-badge">admin</span>` : ''}</span>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${user.csrfToken}">
<button type="submit" id="sign-out" class="secondary small">Sign out</button>
</form>`;
}

/**
 * A page of another party than the broker that shares its look (the demo IdP's sign-in): the
 * stylesheet and favicon served by that party itself, its own name in the header, no navigation.
 */
export function renderStandalonePage(options: PageOptions & { brand: string }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · ${options.brand}</title>
<link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml">
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar"><span class="brand"><img src="${FAVICON_PATH}" alt=""> ${options.brand}</span></div></header>
<main id="main" class="narrow">
${options.body}
</main>
</body>
</html>
`.value;
}
