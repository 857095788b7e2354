/**
 * The `lab` command. Each subcommand lives in its own file under commands/
 * and registers itself; this file wires them, decides on colour and TTY
 * behaviour, and maps errors to the exit-code table in core/errors.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EXIT_CODE_TABLE, ExitCode, exitCodeOf, formatError } from '../core/errors.ts';
import type { CommandContext, RegisterCommand } from './command.ts';
import { register as check } from './commands/check.ts';
import { register as doctor } from './commands/doctor.ts';
import { register as down } from './commands/down.ts';
import { register as drill } from './commands/drill.ts';
import { register as env } from './commands/env.ts';
import { register as gameday } from './commands/gameday.ts';
import { register as hint } from './commands/hint.ts';
import { register as list } from './commands/list.ts';
import { register as report } from './commands/report.ts';
import { register as run } from './commands/run.ts';
import { register as serve } from './commands/serve.ts';
import { register as status } from './commands/status.ts';
import { register as up } from './commands/up.ts';
import { register as validate } from './commands/validate.ts';
import { register as verifyRunbooks } from './commands/verify-runbooks.ts';

const COMMANDS: RegisterCommand[] = [
  up,
  down,
  status,
  env,
  serve,
  run,
  validate,
  list,
  drill,
  check,
  hint,
  gameday,
  verifyRunbooks,
  report,
  doctor,
];

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs the CLI with `argv` (as in process.argv) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.passed;
  const interactive = Boolean(process.stdout.isTTY);
  ignoreClosedPipes();
  // NO_COLOR is read by listr2's colour library when it loads, so --no-color sets it first.
  if (argv.includes('--no-color')) process.env.NO_COLOR = '1';
  const context: CommandContext = {
    root: PROJECT_ROOT,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    color: colorAllowed(interactive),
    interactive,
    setExitCode: (code) => {
      exitCode = code;
    },
  };

  const program = new Command('lab')
    .description('basecamp-lab: chaos and exit tests for the secrets lifecycle on Kubernetes')
    .option('--no-color', 'turn colour off (also NO_COLOR, or when output is not a terminal)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', exitCodeHelp());
  for (const registerCommand of COMMANDS) registerCommand(program, context);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    context.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
}

/** Ends quietly when the reader of stdout goes away (`lab list | head`), as Unix tools do. */
function ignoreClosedPipes(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** Colour only on a terminal and without NO_COLOR (any non-empty value, as no-color.org defines it). */
function colorAllowed(interactive: boolean): boolean {
  return interactive && !process.env.NO_COLOR;
}

/** Help and version requests exit 0; every other commander error is a usage error (exit 2). */
function commanderExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? ExitCode.passed : ExitCode.invalidInput;
}

function exitCodeHelp(): string {
  const rows = EXIT_CODE_TABLE.map(({ code, meaning }) => `  ${String(code).padEnd(4)} ${meaning}`);
  return `\nExit codes:\n${rows.join('\n')}\n`;
}
