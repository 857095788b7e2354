/**
 * The built-in open-model HTTP load engine. Arrivals follow the profile's
 * schedule whatever the server does. Each latency is measured from the
 * arrival's scheduled send time, so a stalled server shows as latency and
 * is not hidden by a client that waits before sending again (coordinated
 * omission). An arrival that finds `maxInFlight` requests outstanding is
 * dropped and counted, as k6's arrival-rate executors do.
 */
import { Pool } from 'undici';
import type { LoadErrorKind, LoadSummary } from '../run/record.ts';
import { ArrivalSchedule } from './arrival-rate.ts';
import { kindOfError, kindOfStatus } from './error-kind.ts';
import { Http1Pool } from './http1-pool.ts';
import { type LoadRun, type RunLoadOptions, summarize } from './load-run.ts';
import type { LoadProfile } from './profile.ts';
import { LoadRecorder } from './recorder.ts';

/** How far ahead of a due arrival the scheduler wakes; setTimeout fires up to ~1 ms late. */
const WAKE_EARLY_MS = 1;

/** Maximum pause of the scheduler while every in-flight slot is busy. Drops are counted at least this often. */
const SLOT_WAIT_MS = 5;

interface InFlight {
  deadline: number;
  abort(): void;
}

/** Starts the built-in engine; resolves once the first arrival is scheduled. */
export async function runBuiltinLoad(
  profile: LoadProfile,
  options: RunLoadOptions = {},
): Promise<LoadRun> {
  const run = new BuiltinLoadRun(profile, options);
  run.start();
  return run;
}

class BuiltinLoadRun implements LoadRun {
  readonly engine = 'builtin' as const;
  readonly profile: LoadProfile;
  readonly #options: RunLoadOptions;
  readonly #schedule: ArrivalSchedule;
  readonly #recorder = new LoadRecorder();
  /** undici for https targets; the built-in HTTP/1.1 pool for http ones. */
  readonly #pool: Pool | undefined;
  readonly #http1: Http1Pool | undefined;
  readonly #path: string;
  readonly #inFlight = new Set<InFlight>();
  #startedAt = 0;
  #startedAtEpochMs = 0;
  #next = 0;
  #stopped = false;
  #settled = false;
  #waitingForSlot = false;
  #endMs: number | undefined;
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #secondsReported = 0;
  readonly #finished: Promise<LoadSummary>;
  #resolveFinished!: (summary: LoadSummary) => void;
  #rejectFinished!: (error: unknown) => void;

  constructor(profile: LoadProfile, options: RunLoadOptions) {
    this.profile = profile;
    this.#options = options;
    this.#schedule = new ArrivalSchedule(profile.rate, profile.stages, profile.durationMs);
    const url = new URL(profile.url);
    this.#path = `${url.pathname}${url.search}`;
    this.#http1 = url.protocol === 'http:' ? new Http1Pool(profile) : undefined;
    this.#pool = this.#http1
      ? undefined
      : new Pool(url.origin, {
          connections: profile.maxInFlight,
          pipelining: 1,
          connect: { timeout: profile.connectTimeoutMs },
          headersTimeout: profile.timeoutMs,
          bodyTimeout: profile.timeoutMs,
        });
    this.#finished = new Promise((resolve, reject) => {
      this.#resolveFinished = resolve;
      this.#rejectFinished = reject;
    });
    // The summary is also returned by done(); this keeps an unawaited failure from crashing the process.
    this.#finished.catch(() => {});
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#startedAtEpochMs = Date.now();
    const signal = this.#options.signal;
    if (signal?.aborted) this.stop();
    signal?.addEventListener('abort', () => this.stop(), { once: true });
    const sweepEvery = Math.min(100, Math.max(5, this.profile.timeoutMs / 10));
    this.#sweeper = setInterval(() => this.#sweep(), sweepEvery);
    this.#tick();
  }

  elapsedMs(): number {
    return performance.now() - this.#startedAt;
  }

  mark(name: string): void {
    this.#recorder.mark(name, this.elapsedMs());
  }

  closeWindow(): void {
    this.#recorder.closeWindow(this.elapsedMs());
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#endMs = Math.min(this.elapsedMs(), this.profile.durationMs);
    this.#clearTimer();
    this.#finishWhenSettled();
  }

  done(): Promise<LoadSummary> {
    return this.#finished;
  }

  #tick(): void {
    this.#timer = undefined;
    this.#waitingForSlot = false;
    if (this.#stopped) return;
    const now = this.elapsedMs();
    while (this.#next < this.#schedule.total) {
      if (this.#inFlight.size >= this.profile.maxInFlight) {
        this.#dropDue(now);
        break;
      }
      const due = this.#schedule.timeOf(this.#next);
      if (due > now) break;
      this.#dispatch(due);
      this.#next += 1;
    }
    this.#reportSeconds(now, false);
    if (this.#next >= this.#schedule.total) {
      this.#stopped = true;
      this.#endMs = this.profile.durationMs;
      this.#finishWhenSettled();
      return;
    }
    if (this.#inFlight.size >= this.profile.maxInFlight) {
      // Every slot is busy: resume when a request settles, or after a short
      // wait to count the drops, instead of spinning on setImmediate.
      this.#waitingForSlot = true;
      this.#timer = setTimeout(() => this.#tick(), SLOT_WAIT_MS);
      return;
    }
    // setImmediate only when behind schedule: spinning on it until an arrival
    // is due would burn a core at rates near 1,000/s. A timer may fire up to
    // a millisecond late, which the latency from the scheduled time includes.
    const wait = this.#schedule.timeOf(this.#next) - this.elapsedMs();
    this.#timer =
      wait <= 0
        ? setImmediate(() => this.#tick())
        : setTimeout(() => this.#tick(), Math.max(1, wait - WAKE_EARLY_MS));
  }

  /** Resumes the scheduler as soon as a slot frees up, when it was waiting for one. */
  #slotFreed(): void {
    if (!this.#waitingForSlot || this.#stopped) return;
    this.#waitingForSlot = false;
    this.#clearTimer();
    this.#timer = setImmediate(() => this.#tick());
  }

  /**
   * Drops every arrival due by `now` at once while the in-flight cap is
   * reached. They are counted at `now` rather than each at its own time,
   * which is off by at most one scheduler tick and keeps an overloaded
   * run from spending its CPU on one drop at a time.
   */
  #dropDue(now: number): void {
    const due = this.#schedule.countThrough(now);
    if (due <= this.#next) return;
    this.#recorder.recordDropped(now, due - this.#next);
    this.#next = due;
  }

  #dispatch(scheduledMs: number): void {
    if (this.#inFlight.size >= this.profile.maxInFlight) {
      this.#recorder.recordDropped(scheduledMs);
      return;
    }
    const deadline = this.elapsedMs() + this.profile.timeoutMs;
    const settle = (entry: InFlight, kind: LoadErrorKind | undefined): void => {
      this.#inFlight.delete(entry);
      this.#recorder.record(scheduledMs, this.elapsedMs() - scheduledMs, kind);
      if (this.#stopped) this.#finishWhenSettled();
      else this.#slotFreed();
    };
    if (this.#http1) {
      const entry: InFlight = { deadline, abort: () => {} };
      this.#inFlight.add(entry);
      const pending = this.#http1.request((kind) => settle(entry, kind));
      entry.abort = () => pending.abort();
      return;
    }
    const controller = new AbortController();
    const entry: InFlight = { deadline, abort: () => controller.abort() };
    this.#inFlight.add(entry);
    this.#send(controller.signal).then(
      (kind) => settle(entry, kind),
      (error: unknown) => settle(entry, kindOfError(error)),
    );
  }

  async #send(signal: AbortSignal): Promise<LoadErrorKind | undefined> {
    const response = await this.#pool!.request({
      path: this.#path,
      method: this.profile.method,
      headers: this.profile.headers,
      body: this.profile.body ?? null,
      signal,
    });
    await response.body.dump({ limit: Number.MAX_SAFE_INTEGER, signal });
    return kindOfStatus(response.statusCode);
  }

  /** Aborts requests past their deadline; one interval timer for all of them is cheaper than one timer each. */
  #sweep(): void {
    const now = this.elapsedMs();
    for (const entry of this.#inFlight) {
      if (now >= entry.deadline) entry.abort();
    }
  }

  /**
   * Reports each second once every request scheduled in it has finished or
   * timed out; `final` reports the rest when the run ends.
   */
  #reportSeconds(now: number, final: boolean): void {
    const onSecond = this.#options.onSecond;
    if (!onSecond) return;
    const endSecond = final
      ? Math.ceil((this.#endMs ?? now) / 1000)
      : Math.floor((now - this.profile.timeoutMs - 100) / 1000);
    while (this.#secondsReported < endSecond) {
      const row = this.#recorder.second(this.#secondsReported);
      if (row) onSecond(row);
      this.#secondsReported += 1;
    }
  }

  #finishWhenSettled(): void {
    if (this.#inFlight.size > 0 || this.#settled) return;
    this.#settled = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    try {
      this.#reportSeconds(this.elapsedMs(), true);
      const summary = summarize(
        'builtin',
        this.profile,
        this.#recorder,
        this.#endMs ?? this.elapsedMs(),
        this.#startedAtEpochMs,
      );
      this.#recorder.destroy();
      this.#pool?.close().catch(() => {});
      this.#http1?.close();
      this.#resolveFinished(summary);
    } catch (error) {
      this.#rejectFinished(error);
    }
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer as NodeJS.Timeout);
    clearImmediate(this.#timer as NodeJS.Immediate);
    this.#timer = undefined;
  }
}
