/**
 * Server-rendered pages of the web interface: an escaping `html` template tag, one
 * accessible layout, the pages, and the stylesheet. No front-end build; every page works
 * without JavaScript. Rendered by `http/routes/web/` only.
 *
 * @see https://www.w3.org/WAI/WCAG22/quickref/
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
 */
export { html, escapeHtml, trustedHtml, SafeHtml } from './html.ts';
export { renderPage, type PageOptions, type SignedInHeader } from './layout.ts';
export { renderErrorPage, renderHomePage, renderLandingPage, type ErrorView, type HomeView, type LandingView, type RoleRow } from './pages.ts';
export { stylesheet, STYLESHEET_PATH } from './styles.ts';
