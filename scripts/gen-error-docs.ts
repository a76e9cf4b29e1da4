// Writes docs/errors.md from the error code catalogue, so the reference never drifts from
// the codes the broker sends. Run: node scripts/gen-error-docs.ts (npm run docs:errors).
import { writeFileSync } from 'node:fs';
import { errorCodes } from '../src/core/index.ts';
import { renderErrorReference } from './error-reference.ts';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorReference());
process.stdout.write(`wrote docs/errors.md (${Object.keys(errorCodes).length} codes)\n`);
