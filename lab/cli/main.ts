/**
 * The `lab` command. Each subcommand lives in its own file under commands/
 * and registers itself. This file wires them, decides on colour and TTY
 * behaviour, and maps errors to the exit-code table in core/errors.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EXIT_CODE_TABLE, ExitCode, exitCodeOf, formatError, LabError } from '../core/errors.ts';
import type { CommandContext, RegisterCommand } from './command.ts';

type CommandModule = () => Promise<{ register: RegisterCommand }>;

/**
 * Every subcommand, in the order `lab --help` lists them. Modules are
 * imported on demand: `lab validate` loads only validate.ts, because some
 * commands import the whole harness and that takes seconds.
 */
const COMMANDS: Record<string, CommandModule> = {
  up: () => import('./commands/up.ts'),
  down: () => import('./commands/down.ts'),
  status: () => import('./commands/status.ts'),
  env: () => import('./commands/env.ts'),
  serve: () => import('./commands/serve.ts'),
  run: () => import('./commands/run.ts'),
  validate: () => import('./commands/validate.ts'),
  list: () => import('./commands/list.ts'),
  drill: () => import('./commands/drill.ts'),
  check: () => import('./commands/check.ts'),
  hint: () => import('./commands/hint.ts'),
  gameday: () => import('./commands/gameday.ts'),
  'verify-runbooks': () => import('./commands/verify-runbooks.ts'),
  report: () => import('./commands/report.ts'),
  doctor: () => import('./commands/doctor.ts'),
};

/**
 * Imports the command modules `argv` needs: none for `lab --version`, the one
 * it names, or all of them for top-level help, `lab help`, no command or an
 * unknown one (so commander can list them and suggest the closest name).
 */
async function commandsFor(argv: string[]): Promise<RegisterCommand[]> {
  const [only, ...rest] = argv.slice(2);
  if (rest.length === 0 && (only === '--version' || only === '-V')) return [];
  const name = argv.slice(2).find((argument) => !argument.startsWith('-'));
  const load =
    name !== undefined && Object.hasOwn(COMMANDS, name)
      ? [COMMANDS[name]!]
      : Object.values(COMMANDS);
  const modules = await Promise.all(load.map((importModule) => importModule()));
  return modules.map((module) => module.register);
}

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Reads the `version` field of the project's package.json, which `lab --version` prints. */
function packageVersion(): string {
  const text = readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8');
  const manifest = JSON.parse(text) as { version: string };
  return manifest.version;
}

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
    .version(packageVersion(), '-V, --version', 'print the version of basecamp-lab')
    .option('--no-color', 'turn colour off (also NO_COLOR, or when output is not a terminal)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', exitCodeHelp());
  for (const registerCommand of await commandsFor(argv)) registerCommand(program, context);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    context.stderr.write(`${formatError(error)}\n`);
    // With --json a script reading stdout gets a document for a failure too, not an empty string.
    if (argv.includes('--json')) context.stdout.write(`${JSON.stringify({ error: errorDocument(error) }, null, 2)}\n`);
    return exitCodeOf(error);
  }
}

/** Builds the document `lab ... --json` prints on stdout for an error: message, hint and exit code. */
function errorDocument(error: unknown): { message: string; hint?: string; exitCode: number } {
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof LabError ? error.hint : undefined;
  return { message, ...(hint ? { hint } : {}), exitCode: exitCodeOf(error) };
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
