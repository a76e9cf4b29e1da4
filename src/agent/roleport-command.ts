import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';

/**
 * The argv that runs this very `roleport`, with absolute paths, for the `credential_process`
 * lines the agent and `idp login aws --credential-process` write: a line pasted into
 * `~/.aws/config` must work from any directory and whatever `node` is first on PATH.
 * The single executable is itself; otherwise this Node and `bin/roleport.js` of this package
 * (the checkout's or the installed one's).
 */
export function defaultRoleportCommand(): string[] {
  if (isSea()) return [process.execPath];
  return [process.execPath, fileURLToPath(new URL('../../bin/roleport.js', import.meta.url))];
}
