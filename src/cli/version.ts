import { readFileSync } from 'node:fs';
import { getAsset, isSea } from 'node:sea';

/**
 * The package's version: from package.json beside src/ (the checkout) or dist/ (the
 * installed package), or from the copy the single executable carries as an asset.
 */
export function packageVersion(): string {
  const text = isSea() ? getAsset('package.json', 'utf8') : readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const manifest = JSON.parse(text) as { version?: string };
  return manifest.version ?? '0.0.0';
}
