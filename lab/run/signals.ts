/**
 * Turns SIGINT and SIGTERM into an abort of the run. The first signal aborts
 * `signal` with an InterruptedError, so the run stops waiting, runs its
 * cleanups and exits 130. A second signal calls `onForce`, which ends the
 * process at once.
 */
import { InterruptedError } from '../core/errors.ts';

export const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export interface InterruptOptions {
  /** Called on the second signal; it should kill children and exit. */
  onForce?: (signal: NodeJS.Signals) => void;
}

export class InterruptController {
  readonly #controller = new AbortController();
  readonly #onForce: ((signal: NodeJS.Signals) => void) | undefined;
  readonly #listeners = new Map<NodeJS.Signals, () => void>();
  #received: NodeJS.Signals | undefined;

  constructor(options: InterruptOptions = {}) {
    this.#onForce = options.onForce;
  }

  /** Aborted, with an InterruptedError as its reason, when the first signal arrives. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The first signal received, if any. */
  get received(): NodeJS.Signals | undefined {
    return this.#received;
  }

  /** Installs the process signal handlers; returns a function that removes them. */
  install(): () => void {
    for (const name of HANDLED_SIGNALS) {
      const listener = () => this.interrupt(name);
      this.#listeners.set(name, listener);
      process.on(name, listener);
    }
    return () => this.uninstall();
  }

  uninstall(): void {
    for (const [name, listener] of this.#listeners) process.off(name, listener);
    this.#listeners.clear();
  }

  /** Handles one signal: the first aborts, the next ones force. */
  interrupt(name: NodeJS.Signals): void {
    if (this.#received) {
      this.#onForce?.(name);
      return;
    }
    this.#received = name;
    this.#controller.abort(new InterruptedError(name));
  }

  /** Returns a promise that rejects with the InterruptedError once a signal arrives. */
  whenInterrupted(): Promise<never> {
    return new Promise((_, reject) => {
      if (this.signal.aborted) reject(this.signal.reason);
      else this.signal.addEventListener('abort', () => reject(this.signal.reason), { once: true });
    });
  }
}
