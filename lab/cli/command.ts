/**
 * The shape every `lab` subcommand file shares: it registers itself on the
 * program and returns an exit code from its action (or throws a LabError).
 */
import type { Command } from 'commander';

export interface CommandContext {
  /** Project root: where scenarios/, runbooks/, adrs/ and reports/ live. */
  root: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** False with --no-color, NO_COLOR, or when stdout is not a TTY. */
  color: boolean;
  /** True when stdout is a TTY (live task lists, spinners allowed). */
  interactive: boolean;
  /** Called by an action with its exit code. */
  setExitCode(code: number): void;
}

export type RegisterCommand = (program: Command, context: CommandContext) => void;
