/**
 * The cleanup stack: every action that changes a basecamp registers its undo
 * the moment it starts, and teardown runs them in reverse order (last in,
 * first out) after success, failure, timeout or a signal. A failing cleanup
 * is recorded and the others still run.
 */
import type { EventBus } from '../core/events.ts';

export interface CleanupEntry {
  name: string;
  /** Target shown in events, for example `basecamp/vault-token`. */
  target?: string;
  run(): Promise<void> | void;
}

export interface CleanupOutcome {
  name: string;
  ok: boolean;
  /** The error message when the cleanup failed or timed out. */
  error?: string;
}

export interface RunCleanupsOptions {
  /** Emits one teardown step per cleanup when given. */
  events?: EventBus;
  scenario?: string;
  /** Time each cleanup may take before it counts as failed, in milliseconds (default 30000). */
  timeoutMs?: number;
}

const DEFAULT_CLEANUP_TIMEOUT_MS = 30_000;

export class CleanupStack {
  readonly #entries: CleanupEntry[] = [];
  #running: Promise<CleanupOutcome[]> | undefined;

  /**
   * Registers a cleanup and returns a function that removes it again (for an
   * undo that already ran, such as a fault reverted by remediation).
   */
  push(name: string, run: () => Promise<void> | void, target?: string): () => void {
    const entry: CleanupEntry = target === undefined ? { name, run } : { name, run, target };
    this.#entries.push(entry);
    return () => {
      const index = this.#entries.indexOf(entry);
      if (index >= 0) this.#entries.splice(index, 1);
    };
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The registered cleanup names, in the order they will run. */
  pending(): string[] {
    return this.#entries.map((entry) => entry.name).reverse();
  }

  /**
   * Runs every cleanup, newest first, each bounded by a timeout. Calling it
   * again while it runs returns the same outcome; cleanups registered while it
   * runs are run too.
   */
  runAll(options: RunCleanupsOptions = {}): Promise<CleanupOutcome[]> {
    this.#running ??= this.#drain(options).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #drain(options: RunCleanupsOptions): Promise<CleanupOutcome[]> {
    const outcomes: CleanupOutcome[] = [];
    for (let entry = this.#entries.pop(); entry; entry = this.#entries.pop()) {
      outcomes.push(await runOne(entry, options));
    }
    return outcomes;
  }
}

async function runOne(entry: CleanupEntry, options: RunCleanupsOptions): Promise<CleanupOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS;
  const bounded = () => withTimeout(Promise.resolve().then(entry.run), timeoutMs, entry.name);
  try {
    if (options.events) {
      const info = { step: `cleanup: ${entry.name}`, phase: 'teardown' };
      await options.events.step(
        {
          ...info,
          ...(options.scenario ? { scenario: options.scenario } : {}),
          ...(entry.target ? { target: entry.target } : {}),
        },
        bounded,
      );
    } else {
      await bounded();
    }
    return { name: entry.name, ok: true };
  } catch (error) {
    return {
      name: entry.name,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`cleanup "${name}" timed out after ${timeoutMs}ms`), {
            stepStatus: 'timedout',
          }),
        ),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
