/**
 * Runs the node's reconcilers (workload controllers, kubelet, kube-proxy)
 * one after the other on a fixed interval, never overlapping. Errors are
 * logged, and a repeated error is logged once per minute with a count.
 */
export interface Reconciler {
  name: string;
  sync(): Promise<void>;
}

export class ControlLoop {
  readonly #reconcilers: Reconciler[];
  readonly #intervalMs: number;
  readonly #log: (message: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  readonly #lastErrors = new Map<string, { message: string; at: number; repeats: number }>();

  constructor(reconcilers: Reconciler[], intervalMs: number, log: (message: string) => void) {
    this.#reconcilers = reconcilers;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  start(): void {
    this.#schedule(0);
  }

  /** Runs one pass of every reconciler now (also used to wait for a pass to finish). */
  async runOnce(): Promise<void> {
    for (const reconciler of this.#reconcilers) {
      if (this.#stopped) return;
      try {
        await reconciler.sync();
        this.#lastErrors.delete(reconciler.name);
      } catch (error) {
        this.#report(reconciler.name, error instanceof Error ? error.message : String(error));
      }
    }
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce().finally(() => {
        this.#running = undefined;
        this.#schedule(this.#intervalMs);
      });
    }, delay);
  }

  #report(name: string, message: string): void {
    const now = Date.now();
    const last = this.#lastErrors.get(name);
    if (last && last.message === message && now - last.at < 60_000) {
      last.repeats += 1;
      return;
    }
    const repeats = last && last.message === message ? ` (repeated ${last.repeats} times)` : '';
    this.#log(`${name} sync failed: ${message}${repeats}`);
    this.#lastErrors.set(name, { message, at: now, repeats: 0 });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
