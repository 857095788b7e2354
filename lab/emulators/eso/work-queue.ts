/**
 * A work queue with the semantics of client-go's util/workqueue, which
 * controller-runtime gives each ESO controller. A key waits in the queue at
 * most once and is never handled by two workers at once, so an add during
 * handling runs it again afterwards. A failed key comes back after a per-key
 * exponential backoff (ItemExponentialFailureRateLimiter: base * 2^failures,
 * capped at max). ESO sets base 1 s and max 7 minutes.
 */

export type Reconcile = (key: string) => Promise<ReconcileResult>;

export interface ReconcileResult {
  /** Run again after this many milliseconds even without a change. */
  requeueAfterMs?: number;
}

export interface WorkQueueOptions {
  concurrency: number;
  baseMs: number;
  maxMs: number;
  /** Called with each reconcile error after the key is requeued with backoff. */
  onError: (key: string, error: unknown, retryInMs: number) => void;
}

/** Per-key exponential backoff: 1st failure waits base, then 2x each time, up to max. */
export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** Records a failure of `key` and returns how long to wait before the next attempt. */
  next(key: string): number {
    const count = this.failures.get(key) ?? 0;
    this.failures.set(key, count + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** count);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly backoff: ExponentialBackoff;
  private active = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly reconcile: Reconcile,
    private readonly options: WorkQueueOptions,
  ) {
    this.backoff = new ExponentialBackoff(options.baseMs, options.maxMs);
  }

  add(key: string): void {
    if (this.closed) return;
    this.clearTimer(key);
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Adds `key` after `delayMs`; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const existing = this.timers.get(key) as (NodeJS.Timeout & { dueAt?: number }) | undefined;
    const dueAt = Date.now() + delayMs;
    if (existing?.dueAt !== undefined && existing.dueAt <= dueAt) return;
    this.clearTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs) as NodeJS.Timeout & { dueAt?: number };
    timer.dueAt = dueAt;
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Number of failures in a row recorded for `key`. */
  failures(key: string): number {
    return this.backoff.failureCount(key);
  }

  /** Resolves when no key is queued or being handled; for tests. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
  }

  private clearTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  private pump(): void {
    while (!this.closed && this.active < this.options.concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.handle(key);
    }
    if (this.queue.length === 0 && this.active === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async handle(key: string): Promise<void> {
    try {
      const result = await this.reconcile(key);
      this.backoff.forget(key);
      if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const delay = this.backoff.next(key);
      this.addAfter(key, delay);
      this.options.onError(key, error, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
