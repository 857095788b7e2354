/**
 * The shape every `lab` subcommand file shares: it registers itself on the
 * program and returns an exit code from its action (or throws a LabError).
 * Also the helpers commands share: JSON output, the recorded command line and
 * "not available yet".
 */
import { styleText } from 'node:util';
import type { Command } from 'commander';
import { EnvironmentError } from '../core/errors.ts';

export interface CommandContext {
  /** Project root: where scenarios/, runbooks/, adrs/ and reports/ live. */
  root: string;
  /** Working folder the command was started in; paths on the command line are relative to it. */
  cwd: string;
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

/** The `--json` option, with the same help text on every command that has it. */
export const JSON_OPTION_HELP =
  'print the result as one JSON document on stdout (people-facing lines go to stderr)';

/**
 * Writes `value` as one JSON document and a newline. Commands with --json
 * print nothing else on stdout, so the output can be piped to jq.
 */
export function printJson(context: CommandContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Returns the command line to record in run.json: `lab` and the arguments.
 * `process.argv` starts with node and the script path, which under npx is a
 * path in the npm cache (`~/.npm/_npx/<hash>/node_modules/.bin/lab`).
 */
export function recordedCommandLine(argv: readonly string[] = process.argv): string[] {
  return ['lab', ...argv.slice(2)];
}

/** Colours `text` when the context allows colour. */
export function paint(
  context: CommandContext,
  style: Parameters<typeof styleText>[0],
  text: string,
): string {
  return context.color ? styleText(style, text) : text;
}

/**
 * Creates the error of a command that is planned but not built. It exits 3,
 * so scripts can tell it from a failed check.
 */
export function notAvailableYet(command: string): EnvironmentError {
  return new EnvironmentError(`lab ${command} is not available yet`, {
    hint: 'run `lab --help` for the commands that work in this version',
  });
}
