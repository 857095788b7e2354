/**
 * One run from start to end: run id and folder, run.json written as the run
 * goes, events.jsonl, the reporter, the redactor, the cleanup stack, child
 * processes and signal handling. `withRunLifecycle` gives the body all of
 * them and guarantees the ending: cleanups in reverse order, a final record
 * (`interrupted` after SIGINT or SIGTERM), and exit code 130 on a signal.
 */
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BasecampKind } from '../basecamp/types.ts';
import { ExitCode, exitCodeOf, InterruptedError } from '../core/errors.ts';
import { EventBus, type EventSink } from '../core/events.ts';
import { Redactor } from '../core/redact.ts';
import { type CleanupOutcome, CleanupStack } from './cleanup.ts';
import { killDescendants, killDescendantsNow, ProcessRegistry } from './processes.ts';
import { RUN_RECORD_VERSION, type RunRecord, type RunStatus } from './record.ts';
import { createReporter, type Reporter } from './reporter.ts';
import { EVENTS_FILE, RUN_FILE, RunFolder, RunRecordStore } from './run-folder.ts';
import { newRunId } from './run-id.ts';
import { InterruptController } from './signals.ts';
import { JsonLinesSink } from './sinks.ts';

export interface RunLifecycleOptions {
  /** Folder that contains the run folders, usually `<project root>/reports`. */
  reportsDir: string;
  /** The command line as typed, recorded in run.json. */
  argv: string[];
  basecamp: BasecampKind;
  /** Names of the scenarios this run will go through, in order. */
  scenarios: string[];
  /** Reporter output stream: stdout normally, stderr when stdout carries JSON. */
  output: NodeJS.WritableStream;
  color: boolean;
  interactive: boolean;
  verbose?: boolean;
  /** Redactor with the secrets registered so far. The run registers more on `run.redactor` as it reads them. */
  redactor?: Redactor;
  /** Tool versions for run.json, for example from `lab doctor`'s probes. */
  tools?: Record<string, string | null>;
  /** Installs SIGINT and SIGTERM handlers (default true). */
  handleSignals?: boolean;
  /**
   * Ends the process with exit code 130 after an interrupt, once the
   * cleanups ran and the record is written (default true): a body that
   * ignores the abort signal may still hold the event loop open.
   */
  exitOnInterrupt?: boolean;
  /** Extra event sinks, for example the runner's timeline builder. */
  sinks?: EventSink[];
}

/** Context passed to the body of a run. */
export interface RunContext {
  readonly runId: string;
  readonly folder: RunFolder;
  readonly store: RunRecordStore;
  readonly events: EventBus;
  readonly redactor: Redactor;
  readonly cleanup: CleanupStack;
  readonly processes: ProcessRegistry;
  /** Aborted on SIGINT or SIGTERM, with an InterruptedError as its reason. */
  readonly signal: AbortSignal;
}

export interface RunOutcome {
  runId: string;
  status: RunStatus;
  exitCode: number;
  folder: RunFolder;
  cleanups: CleanupOutcome[];
  /** The error that ended the body, when it threw. */
  error?: unknown;
}

/** Returns the exit code for a run's final status. */
export function exitCodeForStatus(status: RunStatus, error?: unknown): number {
  switch (status) {
    case 'passed':
      return ExitCode.passed;
    case 'failed':
    case 'timedout':
      return ExitCode.checkFailed;
    case 'interrupted':
      return ExitCode.interrupted;
    case 'errored':
      return error === undefined ? ExitCode.checkFailed : exitCodeOf(error);
    case 'running':
      return ExitCode.checkFailed;
  }
}

/**
 * Runs `body` inside a run: creates the run folder, records and reports
 * everything, and always ends with the cleanups and a final run.json. The
 * body returns the run's status (`passed` or `failed`); a thrown error ends
 * the run as `errored`, and a signal as `interrupted`.
 */
export async function withRunLifecycle(
  options: RunLifecycleOptions,
  body: (run: RunContext) => Promise<RunStatus>,
): Promise<RunOutcome> {
  const run = await openRun(options);
  const interrupts = new InterruptController({ onForce: () => forceExit(run) });
  const uninstall = options.handleSignals === false ? () => undefined : interrupts.install();
  const context: RunContext = { ...run.context, signal: interrupts.signal };
  const started = performance.now();

  let status: RunStatus;
  let error: unknown;
  const running = body(context);
  try {
    status = await Promise.race([running, interrupts.whenInterrupted()]);
  } catch (caught) {
    error = caught;
    status = caught instanceof InterruptedError || interrupts.received ? 'interrupted' : 'errored';
  }
  if (interrupts.received) {
    // The body gets the aborted signal too. Give it a moment to record, grade and tear down
    // its scenario, so the record shows what was interrupted and what was reverted.
    await Promise.race([running.catch(() => undefined), sleep(BODY_SETTLE_MS, undefined, { ref: false })]);
  }

  if (status === 'interrupted') {
    context.events.endOpenSteps(
      'interrupted',
      `interrupted by ${interrupts.received ?? 'a signal'}`,
    );
  }
  const cleanups = await context.cleanup.runAll({ events: context.events });
  if (status === 'interrupted') await context.processes.killAll();
  if (interrupts.received) status = 'interrupted';
  const outcome = await closeRun(run, status, error, started, cleanups);
  uninstall();

  if (status === 'interrupted' && options.exitOnInterrupt !== false) {
    await killDescendants();
    process.exit(ExitCode.interrupted);
  }
  return outcome;
}

interface OpenRun {
  context: Omit<RunContext, 'signal'>;
  reporter: Reporter;
  jsonLines: JsonLinesSink;
}

async function openRun(options: RunLifecycleOptions): Promise<OpenRun> {
  const runId = newRunId();
  const folder = await RunFolder.create(path.resolve(options.reportsDir), runId);
  const redactor = options.redactor ?? new Redactor();
  const store = new RunRecordStore(folder.file(RUN_FILE), initialRecord(runId, options), redactor);
  await store.write();

  const events = new EventBus(runId, redactor);
  const jsonLines = new JsonLinesSink(folder.file(EVENTS_FILE));
  const reporter = createReporter({
    stream: options.output,
    color: options.color,
    interactive: options.interactive,
    verbose: options.verbose ?? false,
  });
  events.addSink(jsonLines);
  events.addSink(reporter);
  for (const sink of options.sinks ?? []) events.addSink(sink);
  events.emit({ type: 'run.start', scenarios: options.scenarios, basecamp: options.basecamp });

  const context = {
    runId,
    folder,
    store,
    events,
    redactor,
    cleanup: new CleanupStack(),
    processes: new ProcessRegistry(),
  };
  return { context, reporter, jsonLines };
}

function initialRecord(runId: string, options: RunLifecycleOptions): RunRecord {
  return {
    schemaVersion: RUN_RECORD_VERSION,
    runId,
    status: 'running',
    startedAt: new Date().toISOString(),
    argv: options.argv,
    basecamp: { kind: options.basecamp, endpoints: {} },
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.availableParallelism(),
      memoryBytes: os.totalmem(),
      tools: options.tools ?? {},
    },
    scenarios: [],
    score: { earned: 0, possible: 0, percent: 0 },
  };
}

async function closeRun(
  run: OpenRun,
  status: RunStatus,
  error: unknown,
  started: number,
  cleanups: CleanupOutcome[],
): Promise<RunOutcome> {
  const { context } = run;
  const durationMs = Math.round(performance.now() - started);
  for (const failed of cleanups.filter((cleanup) => !cleanup.ok)) {
    context.events.log('error', `cleanup ${failed.name} failed: ${failed.error}`, {
      cleanup: failed.name,
    });
  }
  if (status === 'errored' && error !== undefined) {
    context.events.log('error', error instanceof Error ? error.message : String(error));
  }

  await context.store.update((record) => {
    record.status = status;
    record.endedAt = new Date().toISOString();
    record.durationMs = durationMs;
    for (const scenario of record.scenarios) {
      if (scenario.status === 'running')
        scenario.status = status === 'interrupted' ? 'interrupted' : 'errored';
    }
  });
  context.events.emit({ type: 'run.end', status, durationMs });
  await run.reporter.close();
  run.jsonLines.close();
  context.folder.markEnded();

  const outcome: RunOutcome = {
    runId: context.runId,
    status,
    exitCode: exitCodeForStatus(status, error),
    folder: context.folder,
    cleanups,
  };
  if (error !== undefined) outcome.error = error;
  return outcome;
}

/** Maximum wait, after a signal, for the run's body to finish its scenario before the run's own cleanups start. */
const BODY_SETTLE_MS = 15_000;

/** Handles a second signal: kills every child group and descendant now, writes the record as interrupted and exits 130. */
function forceExit(run: OpenRun): void {
  run.context.processes.killAllNow();
  // The pods and PostgreSQL of a basecamp this process started are its descendants too.
  const killed = killDescendantsNow();
  process.stderr.write(
    `stopped at once: killed ${killed} process(es) without their cleanups; \`npx lab down\` or the next run removes what is left in .lab\n`,
  );
  try {
    run.context.store.updateSync((record) => {
      record.status = 'interrupted';
      record.endedAt = new Date().toISOString();
    });
  } finally {
    process.exit(ExitCode.interrupted);
  }
}
