import type { BrowserContext, Page } from 'playwright-core';
import type { SessionsEnv } from '../integration/sessions-fixtures.ts';

/**
 * Signs `username` in at the broker in a real browser: the landing page's "Sign in", the test
 * IdP's form, and back on the home page. Resolves with the page, signed in. Not a test file.
 */
export async function signInInBrowser(context: BrowserContext, env: SessionsEnv, username: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${env.url}/`);
  await page.click('#sign-in');
  await page.waitForURL((url) => url.origin === env.idp.issuer);
  await page.fill('#username', username);
  await page.fill('#password', `${username}-password`);
  await page.click('#sign-in');
  await page.waitForURL(`${env.url}/`);
  return page;
}
