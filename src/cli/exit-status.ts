/**
 * Ends a command with a given exit code, without a message of its own (the command has
 * already said what happened): `roleport run` passes on its child's code this way.
 */
export class CommandExitStatus extends Error {
  override readonly name = 'CommandExitStatus';
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}
