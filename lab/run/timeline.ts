/**
 * The timeline of one scenario: every step (start and end) and every change
 * in what a probe saw, with timestamps and the offset from the scenario's
 * start. Steps also go to the EventBus, so the reporter and events.jsonl see
 * them; the record is rewritten after each step.
 */
import type { EventBus } from '../core/events.ts';
import type { ProbeResult } from '../probes/probe.ts';
import type { Phase, ScenarioRecord } from './record.ts';
import type { RunRecordStore } from './run-folder.ts';

export class ScenarioTimeline {
  readonly record: ScenarioRecord;
  readonly #events: EventBus;
  readonly #store: RunRecordStore | undefined;
  readonly #started = Date.now();
  /** The last observation per probe key, so a probe that keeps seeing the same thing is recorded once. */
  readonly #lastSeen = new Map<string, string>();

  constructor(record: ScenarioRecord, events: EventBus, store?: RunRecordStore) {
    this.record = record;
    this.#events = events;
    this.#store = store;
  }

  /** Milliseconds since the scenario started. */
  elapsedMs(): number {
    return Date.now() - this.#started;
  }

  /** Runs `fn` as a step of `phase`: a start and an end entry, and one event each. */
  async step<T>(phase: Phase, name: string, fn: () => Promise<T>, target?: string): Promise<T> {
    this.#entry(phase, 'step.start', name);
    let status = 'passed';
    let message: string | undefined;
    try {
      return await this.#events.step(
        { step: name, scenario: this.record.name, phase, ...(target ? { target } : {}) },
        () => fn(),
      );
    } catch (error) {
      status = (error as { stepStatus?: string }).stepStatus ?? 'failed';
      message = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      this.#entry(phase, 'step.end', name, status, message);
      void this.#store?.write().catch(() => {});
    }
  }

  /** Records what a probe saw, when it differs from what the same probe saw last. */
  observe(phase: Phase, key: string, probe: string, result: ProbeResult): void {
    const summary = `${result.ok}|${result.message}`;
    if (this.#lastSeen.get(`${phase}:${key}`) === summary) return;
    this.#lastSeen.set(`${phase}:${key}`, summary);
    const now = new Date();
    this.record.observations.push({
      time: now.toISOString(),
      offsetMs: now.getTime() - this.#started,
      phase,
      probe,
      ok: result.ok,
      message: result.message,
    });
    this.#entry(phase, 'observation', probe, result.ok ? 'ok' : 'not yet', result.message);
    this.#events.emit({ type: 'observation', scenario: this.record.name, probe, phase, ok: result.ok, message: result.message });
  }

  /** Records a moment without a step: fault injected, symptom detected, recovered. */
  mark(phase: Phase, name: string, message?: string): void {
    this.#entry(phase, 'mark', name, undefined, message);
  }

  #entry(phase: Phase, kind: 'step.start' | 'step.end' | 'observation' | 'mark', name: string, status?: string, message?: string): void {
    const now = new Date();
    this.record.timeline.push({
      time: now.toISOString(),
      offsetMs: now.getTime() - this.#started,
      phase,
      kind,
      name,
      ...(status ? { status } : {}),
      ...(message ? { message } : {}),
    });
  }
}
