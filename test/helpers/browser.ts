import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; playwright-core drives it instead of a downloaded browser build. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Launches the system Chromium headless through playwright-core, with the flags a sandboxless
 * container needs and with Chromium's own background traffic switched off. Close it with
 * `browser.close()` (e.g. in node:test's `after`).
 *
 * @throws Error naming the package to install when Chromium is missing.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
