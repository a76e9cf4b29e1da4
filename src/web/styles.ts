/**
 * The whole stylesheet, served at `STYLESHEET_PATH`: readable without it, no build step.
 * Focus is always visible, contrast meets WCAG AA, and layout follows the text size.
 */
export const STYLESHEET_PATH = '/static/roleport.css';

export const stylesheet = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #4a5360; --accent: #0b5cad; --line: #c9d1d9; --bad: #a1260d; --soft: #f3f5f8; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #aab4bf; --accent: #6cb6ff; --line: #3b434c; --bad: #ff8f7a; --soft: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
header { border-bottom: 1px solid var(--line); }
header nav { max-width: 60rem; margin: 0 auto; padding: .75rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header nav .brand { font-weight: 700; text-decoration: none; margin-right: auto; }
header form { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
.button, button { display: inline-block; font: inherit; padding: .45rem 1rem; border-radius: .35rem; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); text-decoration: none; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
caption { text-align: left; font-weight: 600; padding-bottom: .5rem; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td code, dd code { word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; }
.notice { padding: .75rem 1rem; border-left: 4px solid var(--accent); background: var(--soft); }
.error { border-left-color: var(--bad); }
.muted { color: var(--muted); }
`;
