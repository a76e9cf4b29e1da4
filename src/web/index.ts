/**
 * Server-rendered pages of the web interface: an escaping `html` template tag, one
 * accessible layout with the navigation, the pages, the stylesheet, the favicon and one small
 * script (copy buttons, confirmations). No front-end build; every page works without
 * JavaScript. Rendered by `http/routes/web/` (and the demo IdP's pages share the layout).
 *
 * @see https://www.w3.org/WAI/WCAG22/quickref/
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
 */
export { html, escapeHtml, trustedHtml, SafeHtml } from './html.ts';
export { renderPage, renderStandalonePage, type PageContext, type PageOptions, type SignedInHeader, type SignedInPage } from './layout.ts';
export { noticeText, NOTICES, type NoticeKey } from './notices.ts';
export { script, SCRIPT_PATH } from './script.ts';
export { favicon, FAVICON_PATH } from './favicon.ts';
export { renderConfirmPage, type ConfirmView } from './confirm-page.ts';
export { renderErrorPage, renderHomePage, renderLandingPage, type ErrorView, type HomeView, type LandingView, type RoleRow } from './pages.ts';
export { stylesheet, STYLESHEET_PATH } from './styles.ts';
