/**
 * Styles of the session, admin and audit pages and of the refresh timeline; served at
 * `SESSION_STYLESHEET_PATH` beside the main stylesheet (the pages' CSP allows only styles
 * from the broker itself, so the chart cannot carry inline styles).
 */
export const SESSION_STYLESHEET_PATH = '/static/sessions.css';

export const sessionStylesheet = `
.subnav { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
.subnav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
.state { display: inline-block; padding: 0 .5rem; border-radius: 1rem; border: 1px solid var(--line); font-size: .9rem; }
.state-active { border-color: var(--accent); color: var(--accent); }
.state-revoked { border-color: var(--bad); color: var(--bad); }
.state-ended { color: var(--muted); }
pre { background: var(--soft); border: 1px solid var(--line); padding: .75rem; overflow-x: auto; white-space: pre; }
fieldset { border: 1px solid var(--line); margin: 0 0 1rem; padding: .5rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
label { display: block; margin: .25rem 0; }
label.inline { display: inline-block; margin-right: 1rem; }
input, select { font: inherit; padding: .3rem; max-width: 100%; }
.field { margin-bottom: .75rem; }
.hint { display: block; color: var(--muted); font-size: .9rem; }
.hint.warning { color: var(--bad); }
.credential { border-left: 4px solid var(--bad); }
form.inline { display: inline; margin: 0; }
.filters { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-end; }
.filters .field { margin: 0; }
td.details code { font-size: .85rem; }
figure.timeline { margin: 1rem 0; }
figure.timeline figcaption { color: var(--muted); }
#refresh-timeline { max-width: 100%; height: auto; color: var(--fg); }
.tl-label, .tl-tick { fill: var(--muted); font: .7rem system-ui, sans-serif; }
.tl-life { stroke: var(--accent); stroke-width: 4; stroke-linecap: butt; opacity: .55; }
.tl-issue { fill: var(--accent); }
.tl-gap { fill: var(--bad); opacity: .35; }
.tl-axis { stroke: var(--line); stroke-width: 1; }
.tl-now { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 3 3; }
.user-code { font: 700 2rem ui-monospace, monospace; letter-spacing: .15em; }
`;
