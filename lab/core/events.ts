/**
 * Structured events: every step emits one `step.start` and exactly one
 * `step.end` (from a `finally`), with run id, scenario, step id and target.
 * Sinks receive events after redaction; people see a reporter's rendering.
 */
import { randomUUID } from 'node:crypto';
import type { Redactor } from './redact.ts';

export type StepStatus = 'passed' | 'failed' | 'skipped' | 'interrupted' | 'timedout' | 'errored';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

interface EventBase {
  /** RFC 3339 time with milliseconds. */
  time: string;
  runId: string;
  scenario?: string;
}

export type LabEvent =
  | (EventBase & { type: 'run.start'; scenarios: string[]; basecamp: string })
  | (EventBase & { type: 'run.end'; status: string; durationMs: number })
  | (EventBase & {
      type: 'step.start';
      stepId: string;
      step: string;
      phase?: string;
      target?: string;
    })
  | (EventBase & {
      type: 'step.end';
      stepId: string;
      step: string;
      phase?: string;
      target?: string;
      status: StepStatus;
      durationMs: number;
      error?: string;
    })
  | (EventBase & {
      type: 'observation';
      probe: string;
      phase?: string;
      ok: boolean;
      message: string;
    })
  | (EventBase & {
      type: 'log';
      level: LogLevel;
      message: string;
      fields?: Record<string, unknown>;
    });

export type LabEventType = LabEvent['type'];

/** Distributive Omit, so each member of the union keeps its own fields. */
export type EventInput = LabEvent extends infer E
  ? E extends LabEvent
    ? Omit<E, 'time' | 'runId'>
    : never
  : never;

/** Step fields of a step event besides its id: the step name and its scenario, phase and target. */
export interface StepInfo {
  step: string;
  scenario?: string;
  phase?: string;
  target?: string;
}

export interface EventSink {
  emit(event: LabEvent): void;
  close?(): Promise<void> | void;
}

/** Fans events out to sinks, stamping time and run id and redacting every string. */
export class EventBus {
  readonly runId: string;
  readonly #sinks: EventSink[] = [];
  readonly #redactor: Redactor;
  /** Steps started and not yet ended, by step id: what `endOpenSteps` closes. */
  readonly #openSteps = new Map<string, { info: StepInfo; started: number }>();

  constructor(runId: string, redactor: Redactor) {
    this.runId = runId;
    this.#redactor = redactor;
  }

  addSink(sink: EventSink): void {
    this.#sinks.push(sink);
  }

  emit(input: EventInput): LabEvent {
    const event = this.#redactor.redactValue({
      time: new Date().toISOString(),
      runId: this.runId,
      ...input,
    } as LabEvent);
    for (const sink of this.#sinks) sink.emit(event);
    return event;
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.emit(fields ? { type: 'log', level, message, fields } : { type: 'log', level, message });
  }

  /**
   * Runs `fn` as a step: one start event now, exactly one end event when it
   * settles. A thrown error ends the step as `failed` (or the status the
   * error names) and is re-thrown.
   */
  async step<T>(info: StepInfo, fn: (stepId: string) => Promise<T>): Promise<T> {
    const stepId = randomUUID().slice(0, 8);
    const started = performance.now();
    this.#openSteps.set(stepId, { info, started });
    this.emit({ type: 'step.start', stepId, ...info });
    let status: StepStatus = 'passed';
    let error: string | undefined;
    try {
      return await fn(stepId);
    } catch (caught) {
      status = stepStatusOf(caught);
      error = caught instanceof Error ? caught.message : String(caught);
      throw caught;
    } finally {
      this.#endStep(stepId, status, error);
    }
  }

  /**
   * Ends every step still open with `status` (for example `interrupted`
   * after a signal), so each step has its one end event even when its body
   * never returns. A body that returns later emits no second end.
   */
  endOpenSteps(status: StepStatus, error?: string): void {
    for (const stepId of [...this.#openSteps.keys()].reverse())
      this.#endStep(stepId, status, error);
  }

  #endStep(stepId: string, status: StepStatus, error: string | undefined): void {
    const open = this.#openSteps.get(stepId);
    if (!open) return;
    this.#openSteps.delete(stepId);
    const durationMs = Math.round(performance.now() - open.started);
    this.emit({
      type: 'step.end',
      stepId,
      ...open.info,
      status,
      durationMs,
      ...(error ? { error } : {}),
    });
  }

  async close(): Promise<void> {
    for (const sink of this.#sinks) await sink.close?.();
  }
}

/** Errors may carry a `stepStatus` (for example `interrupted` or `timedout`). */
function stepStatusOf(error: unknown): StepStatus {
  const status = (error as { stepStatus?: StepStatus } | null)?.stepStatus;
  return status ?? 'failed';
}

/** Collects events in memory: for tests and for the run record's timeline. */
export class MemorySink implements EventSink {
  readonly events: LabEvent[] = [];
  emit(event: LabEvent): void {
    this.events.push(event);
  }
}
