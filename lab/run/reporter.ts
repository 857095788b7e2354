/**
 * Reporters: how people see a run's events. On a terminal a listr2 task
 * list shows each scenario's phases live. Elsewhere (CI, pipes, files) plain
 * lines `RUN`, `DONE`, `FAIL`, `SKIP` and `STOP` come one per step start and
 * end, with no spinner and no cursor movement. Colour is used only when
 * allowed, and events arrive already redacted by the EventBus.
 */
import { styleText } from 'node:util';
import { formatDuration } from '../core/duration.ts';
import type { EventSink, LabEvent, StepStatus } from '../core/events.ts';
import { PHASES, type Phase } from './record.ts';

export interface ReporterOptions {
  stream: NodeJS.WritableStream;
  color: boolean;
  /** Shows debug log lines and probe observations. */
  verbose?: boolean;
}

export interface Reporter extends EventSink {
  /** Waits until everything is drawn. */
  close(): Promise<void>;
}

type Style = Parameters<typeof styleText>[0];

const STATUS_LABEL: Record<StepStatus, { label: string; style: Style }> = {
  passed: { label: 'DONE', style: 'green' },
  failed: { label: 'FAIL', style: 'red' },
  errored: { label: 'FAIL', style: 'red' },
  timedout: { label: 'FAIL', style: 'red' },
  skipped: { label: 'SKIP', style: 'yellow' },
  interrupted: { label: 'STOP', style: 'yellow' },
};

/** Plain lines, one per step start and end: for non-TTY output. */
export class PlainReporter implements Reporter {
  readonly #options: ReporterOptions;

  constructor(options: ReporterOptions) {
    this.#options = options;
  }

  emit(event: LabEvent): void {
    const line = this.format(event);
    if (line !== undefined) this.#options.stream.write(`${line}\n`);
  }

  /** Formats one event as a line, or undefined when this reporter does not show it. */
  format(event: LabEvent): string | undefined {
    const paint = (style: Style, text: string) =>
      this.#options.color ? styleText(style, text) : text;
    const scenario = event.scenario ? `${event.scenario}  ` : '';
    switch (event.type) {
      case 'run.start':
        return `${paint('cyan', 'RUN ')}  run ${event.runId} on ${event.basecamp}: ${event.scenarios.join(', ') || 'no scenarios'}`;
      case 'run.end': {
        const label =
          event.status === 'passed'
            ? paint('green', 'PASS')
            : paint('red', event.status.toUpperCase());
        return `${label}  run ${event.runId} ${event.status} in ${formatDuration(event.durationMs)}`;
      }
      case 'step.start':
        return `${paint('cyan', 'RUN ')}  ${scenario}${stepTitle(event)}${event.target ? `  [${event.target}]` : ''}`;
      case 'step.end': {
        const { label, style } = STATUS_LABEL[event.status];
        const error = event.error ? `: ${event.error}` : '';
        return `${paint(style, label)}  ${scenario}${stepTitle(event)}  (${formatDuration(event.durationMs)})${error}`;
      }
      case 'observation':
        if (!this.#options.verbose) return undefined;
        return `${paint('gray', 'SEEN')}  ${scenario}${event.probe} ${event.ok ? 'ok' : 'not yet'}: ${event.message}`;
      case 'log':
        if (event.level === 'debug' && !this.#options.verbose) return undefined;
        return `${logLabel(event.level, paint)}  ${scenario}${event.message}`;
    }
  }

  async close(): Promise<void> {}
}

function stepTitle(event: { step: string; phase?: string }): string {
  return event.phase ? `${event.phase}: ${event.step}` : event.step;
}

function logLabel(level: string, paint: (style: Style, text: string) => string): string {
  if (level === 'error') return paint('red', 'ERR ');
  if (level === 'warn') return paint('yellow', 'WARN');
  if (level === 'debug') return paint('gray', 'DBG ');
  return 'INFO';
}

/** One phase of one scenario as a listr2 task that settles when the phase ends. */
interface PhaseTask {
  started: boolean;
  failed: string | undefined;
  output?: (text: string) => void;
  done: Promise<void>;
  resolve: () => void;
}

/**
 * A live task list on a terminal: one task per scenario, one subtask per
 * phase. A phase ends when a later phase of the same scenario starts or the
 * scenario ends, and phases that never start are shown as skipped.
 * NOTE: checked by hand under a pseudo-terminal (`script`); the tests cover
 * only PlainReporter, because listr2 falls back to plain output without a TTY.
 */
export class TaskListReporter implements Reporter {
  readonly #options: ReporterOptions;
  readonly #phases = new Map<string, Map<Phase, PhaseTask>>();
  #list: Promise<void> | undefined;
  #current: { scenario: string; phase: Phase } | undefined;

  constructor(options: ReporterOptions) {
    this.#options = options;
  }

  emit(event: LabEvent): void {
    switch (event.type) {
      case 'run.start':
        for (const scenario of event.scenarios) this.#phases.set(scenario, newPhaseStates());
        this.#list = this.#start(event.scenarios);
        return;
      case 'step.start':
        this.#onStep(
          event.scenario,
          event.phase,
          `${event.step}${event.target ? ` [${event.target}]` : ''}`,
        );
        return;
      case 'step.end':
        if (event.status !== 'passed' && event.status !== 'skipped') {
          const phase = this.#phase(event.scenario, event.phase);
          if (phase) phase.failed = `${event.step}: ${event.error ?? event.status}`;
        }
        return;
      case 'log':
        if (event.level === 'warn' || event.level === 'error')
          this.#onStep(event.scenario, undefined, event.message);
        return;
      case 'run.end':
        for (const scenario of this.#phases.keys()) this.#endScenario(scenario);
        return;
      default:
        return;
    }
  }

  async close(): Promise<void> {
    for (const scenario of this.#phases.keys()) this.#endScenario(scenario);
    await this.#list;
  }

  async #start(scenarios: string[]): Promise<void> {
    // Imported here, not at the top, so NO_COLOR set by --no-color is seen by listr2's colour library.
    const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
    const stream = this.#options.stream as NodeJS.WriteStream;
    const logger = new ListrLogger({ processOutput: new ProcessOutput(stream, stream) });
    const tasks = scenarios.map((scenario) => ({
      title: scenario,
      task: (_: unknown, task: { newListr: (tasks: unknown[], options: unknown) => unknown }) =>
        task.newListr(this.#phaseTasks(scenario), { concurrent: false, exitOnError: false }),
    }));
    const list = new Listr(tasks as never, {
      concurrent: false,
      exitOnError: false,
      rendererOptions: { collapseSubtasks: false, collapseErrors: false, logger },
    });
    await list.run().catch(() => undefined);
  }

  #phaseTasks(scenario: string): unknown[] {
    const phases = this.#phases.get(scenario)!;
    return PHASES.map((phase) => {
      const state = phases.get(phase)!;
      return {
        title: phase,
        task: async (_: unknown, task: { output: string; skip: (message: string) => void }) => {
          state.output = (text) => {
            task.output = text;
          };
          await state.done;
          if (!state.started) task.skip(`${phase}: not in this scenario`);
          else if (state.failed) throw new Error(state.failed);
        },
      };
    });
  }

  #phase(scenario: string | undefined, phase: string | undefined): PhaseTask | undefined {
    if (!scenario || !phase) return undefined;
    return this.#phases.get(scenario)?.get(phase as Phase);
  }

  #onStep(scenario: string | undefined, phaseName: string | undefined, text: string): void {
    const phase = this.#phase(scenario, phaseName);
    if (scenario && phase) {
      if (this.#current && this.#current.scenario !== scenario)
        this.#endScenario(this.#current.scenario);
      this.#endPhasesBefore(scenario, phaseName as Phase);
      phase.started = true;
      this.#current = { scenario, phase: phaseName as Phase };
      phase.output?.(text);
      return;
    }
    const current = this.#current && this.#phase(this.#current.scenario, this.#current.phase);
    current?.output?.(text);
  }

  #endPhasesBefore(scenario: string, phase: Phase): void {
    const phases = this.#phases.get(scenario);
    if (!phases) return;
    for (const name of PHASES) {
      if (name === phase) return;
      phases.get(name)?.resolve();
    }
  }

  #endScenario(scenario: string): void {
    for (const phase of this.#phases.get(scenario)?.values() ?? []) phase.resolve();
  }
}

function newPhaseStates(): Map<Phase, PhaseTask> {
  const phases = new Map<Phase, PhaseTask>();
  for (const phase of PHASES) {
    let resolve!: () => void;
    const done = new Promise<void>((settle) => {
      resolve = settle;
    });
    phases.set(phase, { started: false, failed: undefined, done, resolve });
  }
  return phases;
}

/**
 * Narrowest terminal, in columns, that gets the live task list. On a
 * pseudo-terminal that reports 0 columns (`script` without a size) the
 * listr2 task list prints one character per line. The value 40 is this
 * project's choice, not a listr2 limit.
 */
export const MIN_TASK_LIST_COLUMNS = 40;

/**
 * Decides between the live task list and plain lines: the task list only on
 * an interactive terminal at least MIN_TASK_LIST_COLUMNS wide. An unknown
 * width counts as too narrow.
 */
export function usesTaskList(interactive: boolean, columns: number | undefined): boolean {
  return interactive && columns !== undefined && columns >= MIN_TASK_LIST_COLUMNS;
}

/** Picks the reporter for the output: a task list on a wide enough terminal, plain lines elsewhere. */
export function createReporter(options: ReporterOptions & { interactive: boolean }): Reporter {
  // A tty.WriteStream has `columns`, but other streams (pipes, files, PassThrough) do not.
  const { columns } = options.stream as { columns?: number };
  return usesTaskList(options.interactive, columns)
    ? new TaskListReporter(options)
    : new PlainReporter(options);
}
