import { html, type SafeHtml } from './html.ts';
import { STYLESHEET_PATH } from './styles.ts';

/** Who is signed in, for the header; with the CSRF token of the sign-out form. */
export interface SignedInHeader {
  username: string;
  csrfToken: string;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  user?: SignedInHeader | undefined;
}

/**
 * The shared page: a skip link, a header with the sign-in state, one `<main>`. Works without
 * JavaScript; the sign-out form posts with its CSRF token.
 */
export function renderPage(options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Roleport</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<nav aria-label="Main">
<a class="brand" href="/">Roleport</a>
${options.user === undefined ? html`<a href="/login">Sign in</a>` : signedIn(options.user)}
</nav>
</header>
<main id="main">
${options.body}
</main>
</body>
</html>
`.value;
}

function signedIn(user: SignedInHeader): SafeHtml {
  return html`<span>Signed in as <strong id="current-user">${user.username}</strong></span>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${user.csrfToken}">
<button type="submit" id="sign-out" class="secondary">Sign out</button>
</form>`;
}
