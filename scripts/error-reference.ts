// The text of docs/errors.md, rendered from the error code catalogue in src/core/errors.ts.
// scripts/gen-error-docs.ts writes it; test/docs/errors-reference.test.ts checks the file is current.
import { errorCodes } from '../src/core/index.ts';

export function renderErrorReference(): string {
  const rows = Object.entries(errorCodes).map(([code, info]) => `| \`${code}\` | ${info.status} | ${info.apiCode} | ${info.status < 500 ? 'yes' : 'no'} | ${info.description.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    'Generated from the catalogue in `src/core/errors.ts` by `npm run docs:errors`; do not edit by hand.',
    '',
    'Every failure a caller can act on is a `RoleportError` with one of these stable codes (a',
    'new code is a minor change, a renamed one a breaking change). Each protocol writes it in',
    'its own shape, in one place:',
    '',
    '- the API (`/api/…`): `{"code": "ERR_…", "message": "…"}`;',
    "- the publishing server's API (`/__api__/…`): `{\"code\": <number>, \"error\": \"…\", \"payload\": null, \"roleport_code\": \"ERR_…\"}`,",
    "  the shape its SDKs read; the credentials exchange there also keeps RFC 6749's `error` and `error_description`;",
    '- the OAuth token endpoints: `{"error", "error_description"}` (RFC 6749 §5.2);',
    "- the local STS: AWS's `ErrorResponse` XML with AWS's own error code;",
    '- web pages: an HTML page whose title names the error;',
    '- the CLI: one line on stderr and exit code 2 (bad input) or 1 (failure).',
    '',
    'One rule decides whether a message reaches the caller: `status < 500`. A 5xx answer says',
    "only that something failed; its details are in the broker's log.",
    '',
    '| code | HTTP | `/__api__/` code | message shown | meaning |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
