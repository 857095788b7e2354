/**
 * The one table of exit codes and the error classes that map onto it.
 * Every error the CLI shows is a LabError: it names the value, the rule it
 * broke and the next step, and carries the exit code the process ends with.
 */

export const ExitCode = {
  /** Every required check passed. */
  passed: 0,
  /** A check failed: a scenario, a runbook step, a threshold. */
  checkFailed: 1,
  /** Invalid input or usage: a scenario file, a flag, an argument. */
  invalidInput: 2,
  /** A required tool or basecamp is missing. */
  environmentMissing: 3,
  /** Interrupted by SIGINT or SIGTERM; cleanups ran. */
  interrupted: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;
export type ExitCodeValue = (typeof ExitCode)[ExitCodeName];

/** Rows of the exit-code table, as printed by `lab --help` and the README. */
export const EXIT_CODE_TABLE: ReadonlyArray<{ code: ExitCodeValue; meaning: string }> = [
  { code: ExitCode.passed, meaning: 'passed: every required check passed' },
  { code: ExitCode.checkFailed, meaning: 'a check failed' },
  { code: ExitCode.invalidInput, meaning: 'invalid input or usage' },
  { code: ExitCode.environmentMissing, meaning: 'a required tool or basecamp is missing' },
  { code: ExitCode.interrupted, meaning: 'interrupted (SIGINT or SIGTERM); cleanups ran' },
];

export interface LabErrorOptions {
  /** The next step for the user. */
  hint?: string;
  cause?: unknown;
}

/** Base class of every error shown to the user. */
export class LabError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCodeValue, options: LabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Invalid input or usage (exit 2). */
export class InvalidInputError extends LabError {
  constructor(message: string, options: LabErrorOptions = {}) {
    super(message, ExitCode.invalidInput, options);
  }
}

/** A required tool, basecamp or feature is missing here (exit 3). */
export class EnvironmentError extends LabError {
  constructor(message: string, options: LabErrorOptions = {}) {
    super(message, ExitCode.environmentMissing, options);
  }
}

/** A check failed (exit 1). */
export class CheckFailedError extends LabError {
  constructor(message: string, options: LabErrorOptions = {}) {
    super(message, ExitCode.checkFailed, options);
  }
}

/** The run was interrupted by a signal (exit 130). */
export class InterruptedError extends LabError {
  readonly signal: NodeJS.Signals;

  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`, ExitCode.interrupted);
    this.signal = signal;
  }
}

/** Formats an error for a person: message, then the hint on its own line. */
export function formatError(error: unknown): string {
  if (error instanceof LabError) {
    return error.hint ? `error: ${error.message}\nhint: ${error.hint}` : `error: ${error.message}`;
  }
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}

/** Returns the exit code for an error; an unknown error counts as a failed check. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof LabError ? error.exitCode : ExitCode.checkFailed;
}
