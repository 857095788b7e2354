/**
 * Event sinks of a run: events.jsonl in the run folder (one JSON object per
 * line, written synchronously so a crash loses no event that was emitted).
 * Events reach sinks already redacted by the EventBus.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { EventSink, LabEvent } from '../core/events.ts';

export class JsonLinesSink implements EventSink {
  #fd: number | undefined;

  constructor(file: string) {
    this.#fd = openSync(file, 'a', 0o644);
  }

  emit(event: LabEvent): void {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Forwards events to a function: for a runner that builds its timeline from events. */
export class CallbackSink implements EventSink {
  readonly #callback: (event: LabEvent) => void;

  constructor(callback: (event: LabEvent) => void) {
    this.#callback = callback;
  }

  emit(event: LabEvent): void {
    this.#callback(event);
  }
}
