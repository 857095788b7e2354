/**
 * The context a rotation strategy gets (clients for the public APIs, the
 * redactor, the event bus, the load run to mark) and the propagation
 * timeline it fills in while it works.
 */
import type { LabClients } from '../clients/index.ts';
import { CheckFailedError, InterruptedError } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import type { Redactor } from '../core/redact.ts';
import type { PropagationEvent, PropagationEventName } from '../run/record.ts';

/** The window names a rotation marks on the load run. */
export const ROTATION_WINDOWS = {
  before: 'before-rotation',
  during: 'during-rotation',
  after: 'after-rotation',
} as const;

/** The part of a LoadRun a rotation uses: marking windows. */
export interface MarkableLoad {
  mark(name: string): void;
}

export interface RotationContext {
  clients: LabClients;
  redactor: Redactor;
  events: EventBus;
  /** The load running during the rotation; the rotation marks `during-rotation` and `after-rotation` on it. */
  load?: MarkableLoad;
  signal?: AbortSignal;
  scenario?: string;
}

/** The propagation timeline of one rotation: each event once, timed from `rotation-started`. */
export class PropagationTimeline {
  readonly events: PropagationEvent[] = [];
  readonly #bus: EventBus;
  readonly #scenario: string | undefined;
  readonly #onStart: (() => void) | undefined;
  #startedAt = 0;

  constructor(bus: EventBus, scenario?: string, onStart?: () => void) {
    this.#bus = bus;
    this.#scenario = scenario;
    this.#onStart = onStart;
  }

  /**
   * Records `rotation-started` and calls the start hook (which marks the load
   * window); later events are timed from here. A strategy calls it right
   * before its first change, after the reads that only prepare.
   */
  start(detail?: string): void {
    this.#onStart?.();
    this.#startedAt = performance.now();
    this.record('rotation-started', detail);
  }

  /**
   * Records an event unless it was recorded already; returns its delay in
   * milliseconds. `at` is when it happened, when that was earlier than now
   * (a pod's log line time).
   */
  record(name: PropagationEventName, detail?: string, at?: Date): number {
    const existing = this.events.find((event) => event.name === name);
    if (existing) return existing.afterMs;
    const lagMs = at ? Math.max(0, Date.now() - at.getTime()) : 0;
    const afterMs = Math.max(0, Math.round(performance.now() - lagMs - this.#startedAt));
    const time = new Date(Date.now() - lagMs).toISOString();
    this.events.push({ name, time, afterMs, ...(detail ? { detail } : {}) });
    this.events.sort((a, b) => a.afterMs - b.afterMs);
    this.#bus.emit({
      type: 'observation',
      probe: 'rotation',
      phase: 'rotation',
      ok: true,
      message: `${name} after ${afterMs}ms${detail ? `: ${detail}` : ''}`,
      ...(this.#scenario ? { scenario: this.#scenario } : {}),
    });
    return afterMs;
  }

  has(name: PropagationEventName): boolean {
    return this.events.some((event) => event.name === name);
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls `check` until it returns a value other than undefined. Throws
 * CheckFailedError naming `what` and the last thing seen on timeout.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: WaitOptions,
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 100;
  let lastError = '';
  for (;;) {
    if (options.signal?.aborted) throw new InterruptedError('SIGINT');
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastError = '';
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() >= deadline) {
      const seen = lastError ? ` (last error: ${lastError})` : '';
      throw new CheckFailedError(
        `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${what}${seen}`,
        {
          hint: 'raise the rotation timeout, or look at the ExternalSecret conditions and the service log',
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
