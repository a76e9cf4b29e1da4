/**
 * The whole stylesheet, served at `STYLESHEET_PATH`: readable without it, no build step.
 * The pages' CSP allows styles only from the broker itself, so nothing is inline (the refresh
 * timeline's SVG included). Focus is always visible, contrast meets WCAG AA in both colour
 * schemes, and the layout follows the text size. Long identifiers (ARNs, ids, tokens) wrap
 * where they must; words never break mid-word.
 */
export const STYLESHEET_PATH = '/static/roleport.css';

export const stylesheet = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #4a5360; --accent: #0b5cad; --accent-fg: #ffffff; --line: #c9d1d9; --bad: #a1260d; --good: #1a6b34; --soft: #f3f5f8; --header: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #aab4bf; --accent: #6cb6ff; --accent-fg: #0d1117; --line: #3b434c; --bad: #ff8f7a; --good: #6fdd8b; --soft: #161b22; --header: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
[hidden] { display: none !important; }

header.site { background: var(--header); border-bottom: 1px solid var(--line); }
header.site .bar { max-width: 75rem; margin: 0 auto; padding: .5rem 1rem; display: flex; gap: .5rem 1rem; align-items: center; flex-wrap: wrap; }
header.site nav.bar { padding-top: 0; padding-bottom: .4rem; }
header.site .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--fg); display: inline-flex; align-items: center; gap: .4rem; margin-right: .5rem; }
header.site .brand img { width: 1.4rem; height: 1.4rem; }
header.site nav ul { list-style: none; margin: 0 0 0 -.6rem; padding: 0; display: flex; gap: .25rem; flex-wrap: wrap; }
header.site nav a { display: inline-block; padding: .3rem .6rem; border-radius: .35rem; text-decoration: none; white-space: nowrap; }
header.site nav a:hover { background: var(--soft); text-decoration: underline; }
header.site nav a[aria-current="page"] { background: var(--accent); color: var(--accent-fg); }
header.site nav .divider { border-left: 1px solid var(--line); margin: .25rem .35rem; }
header.site .account { margin-left: auto; display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
header.site form { margin: 0; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; border: 1px solid var(--line); font-size: .8rem; color: var(--muted); vertical-align: middle; }

main { max-width: 75rem; margin: 0 auto; padding: 1rem; }
main.narrow { max-width: 34rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 1.75rem 0 .5rem; }
.lead { font-size: 1.05rem; max-width: 48rem; }
p, li { max-width: 60rem; }

.button, button { display: inline-block; font: inherit; padding: .4rem .9rem; border-radius: .35rem; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); text-decoration: none; cursor: pointer; white-space: nowrap; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); color: var(--bg); }
button.danger.secondary { background: transparent; color: var(--bad); }
button.small { padding: .15rem .6rem; font-size: .9rem; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin: 1rem 0; }
form.inline { display: inline; margin: 0; }

table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .5rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { border-bottom-width: 2px; white-space: nowrap; }
td code, dd code, li code, p code { overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.table-scroll { overflow-x: auto; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3rem 1rem; margin: .5rem 0 1rem; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; min-width: 0; }
dd ul { margin: 0; padding-left: 1.1rem; }

.notice { padding: .75rem 1rem; border-left: 4px solid var(--accent); background: var(--soft); margin: 1rem 0; }
.notice p { margin: .25rem 0; }
.notice.error { border-left-color: var(--bad); }
.notice.success { border-left-color: var(--good); }
.notice.warning { border-left-color: var(--bad); }
.muted { color: var(--muted); }
.hint { display: block; color: var(--muted); font-size: .9rem; font-weight: normal; margin-top: .15rem; }
.hint.warning { color: var(--bad); }

fieldset { border: 1px solid var(--line); border-radius: .35rem; margin: 0 0 1rem; padding: .5rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
label { display: block; margin: .25rem 0; font-weight: 600; }
label.choice { font-weight: normal; display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
input, select, textarea { font: inherit; padding: .35rem .45rem; max-width: 100%; border: 1px solid var(--muted); border-radius: .25rem; background: var(--bg); color: var(--fg); }
textarea { width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; }
input[type="checkbox"], input[type="radio"] { width: auto; }
form:not(.filters) .field input:not([type]), form:not(.filters) .field input[type="text"], form:not(.filters) .field input[type="password"], form:not(.filters) .field input[type="url"] { width: min(100%, 34rem); }
form:not(.filters) .field select { max-width: min(100%, 34rem); }
form:not(.filters) .field textarea { max-width: 48rem; }
.filters input, .filters select { height: 2.4rem; }
.filters > a { padding: .5rem 0; }
.field { margin-bottom: .9rem; }
.field.invalid input, .field.invalid select, .field.invalid textarea { border: 2px solid var(--bad); }
.field-error { display: block; color: var(--bad); font-weight: 600; margin-top: .2rem; }
.filters { display: flex; gap: .75rem 1rem; flex-wrap: wrap; align-items: flex-end; margin: .5rem 0 1rem; padding: .75rem 1rem; background: var(--soft); border-radius: .35rem; }
.filters .field { margin: 0; }
.filters label { font-size: .9rem; }

pre { background: var(--soft); border: 1px solid var(--line); border-radius: .35rem; padding: .75rem; overflow-x: auto; white-space: pre; margin: 0; }
.command { position: relative; margin: .5rem 0 1rem; }
.command pre { padding-right: 5.5rem; }
.command .copy { position: absolute; top: .4rem; right: .4rem; }
.credential { border-left-color: var(--bad); }
.credential code { font-size: 1.05rem; }
.steps { padding-left: 1.25rem; }
.steps > li { margin-bottom: 1rem; max-width: none; }

.state { display: inline-block; padding: 0 .5rem; border-radius: 1rem; border: 1px solid var(--line); font-size: .9rem; white-space: nowrap; }
.state-active, .state-next { border-color: var(--accent); color: var(--accent); }
.state-revoked, .state-retired { border-color: var(--bad); color: var(--bad); }
.state-ended { color: var(--muted); }
time[title] { text-decoration: underline dotted var(--muted); text-underline-offset: .2em; }

.pager { display: flex; gap: 1rem; align-items: center; margin: 1rem 0; flex-wrap: wrap; }
.pager .muted { margin-right: auto; }

.audit td.details { min-width: 14rem; max-width: 26rem; overflow-wrap: anywhere; }
.audit td.audit-actor { overflow-wrap: break-word; }
.audit details summary { cursor: pointer; color: var(--accent); }
.audit details dl { font-size: .9rem; margin: .4rem 0 0; }
.audit .audit-type code { white-space: nowrap; }

.verdict { font-size: 1.2rem; font-weight: 700; }
.verdict.allow { color: var(--good); }
.verdict.deny { color: var(--bad); }
.trace { list-style: none; padding: 0; }
.trace > li.statement { border: 1px solid var(--line); border-radius: .35rem; padding: .25rem .75rem; margin-bottom: .5rem; max-width: none; }
.trace > li.statement > p { margin: .25rem 0; }
.trace ul { list-style: none; padding-left: 1rem; margin: .25rem 0; }
.trace li { max-width: none; }
.trace.checks > li { padding: .1rem .5rem; }
.trace li.failing { background: var(--soft); border-left: 4px solid var(--bad); padding-left: .5rem; }
.explain-result { border-bottom: 1px solid var(--line); padding-bottom: 1rem; margin-bottom: 1.5rem; }
.explain-result h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
.mark { display: inline-block; width: 1.2em; font-weight: 700; }
.mark.yes { color: var(--good); }
.mark.no { color: var(--bad); }
.explain-form .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }

figure.timeline { margin: 1rem 0; }
figure.timeline figcaption { color: var(--muted); }
#refresh-timeline { max-width: 100%; height: auto; color: var(--fg); }
.tl-label, .tl-tick { fill: var(--muted); font: .7rem system-ui, sans-serif; }
.tl-life { stroke: var(--accent); stroke-width: 4; stroke-linecap: butt; opacity: .6; }
.tl-issue { fill: var(--accent); }
.tl-gap { fill: var(--bad); opacity: .35; }
.tl-axis { stroke: var(--line); stroke-width: 1; }
.tl-now { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 3 3; }
.user-code { font: 700 2rem ui-monospace, monospace; letter-spacing: .15em; }
`;
