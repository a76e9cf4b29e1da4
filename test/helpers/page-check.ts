import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/** axe-core's bundled script, injected into each page checked (the engine runs in the page itself). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The repository's `test-results/` (ignored by git): screenshots of a run go to a folder under it. */
const RESULTS = resolve(fileURLToPath(new URL('../../test-results', import.meta.url)));

/** The rule sets checked: WCAG 2.0-2.2 A and AA, and axe's best practices. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules, best practices) in the page and fails on any
 * violation of serious or critical impact, naming the rule and the elements.
 * @see https://github.com/dequelabs/axe-core/blob/develop/doc/API.md
 */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  // Evaluated through the browser's debugging protocol: the pages' CSP (script-src 'self') rightly refuses an injected <script>.
  await page.evaluate(AXE_SOURCE);
  // A string, run in the page (this project's TypeScript has no DOM types).
  const violations = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } }).then((result) =>
    result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`)) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    serious.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary ?? ''})`).join('; ')}`),
    [],
    `${name}: accessibility violations`,
  );
}

/** A folder for this run's screenshots under test-results/, created now. */
export function screenshotFolder(name: string): string {
  const folder = join(RESULTS, name);
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** A full-page PNG of the page, at `folder/name.png`. */
export async function screenshot(page: Page, folder: string, name: string): Promise<void> {
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
}
