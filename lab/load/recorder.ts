/**
 * Collects request outcomes into HDR histograms (hdr-histogram-js): one for
 * the whole run, one per second and one per marked window, and turns them
 * into the run record's LoadSummary. Both engines feed it, so the built-in
 * engine and k6 report through the same code.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import type { LatencyStats, LoadErrorKind, LoadSecond, LoadWindow } from '../run/record.ts';
import type { MetricValues } from './threshold.ts';

/** Histograms count microseconds so sub-millisecond loopback latencies keep their resolution. */
const MICROS_PER_MS = 1000;
/** One hour, in microseconds: longer latencies are clamped. */
const HIGHEST_MICROS = 3_600_000_000;

export interface WindowMark {
  name: string;
  /** Milliseconds since the load started. */
  startMs: number;
  /** Set when the window was closed explicitly or by the next mark. */
  endMs?: number;
}

class Bucket {
  readonly histogram: Histogram;
  requests = 0;
  failed = 0;
  dropped = 0;
  readonly byErrorKind: Partial<Record<LoadErrorKind, number>> = {};

  constructor(packed: boolean) {
    this.histogram = build({
      bitBucketSize: packed ? 'packed' : 32,
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_MICROS,
      numberOfSignificantValueDigits: 3,
    });
  }

  record(latencyMs: number, kind: LoadErrorKind | undefined): void {
    this.requests += 1;
    const micros = Math.min(Math.max(Math.round(latencyMs * MICROS_PER_MS), 1), HIGHEST_MICROS);
    this.histogram.recordValue(micros);
    if (kind !== undefined) {
      this.failed += 1;
      this.byErrorKind[kind] = (this.byErrorKind[kind] ?? 0) + 1;
    }
  }

  percentileMs(percentile: number): number {
    if (this.requests === 0) return 0;
    return round3(this.histogram.getValueAtPercentile(percentile) / MICROS_PER_MS);
  }

  values(seconds: number): MetricValues {
    const empty = this.requests === 0;
    return {
      durationAtPercentile: (percentile) => this.percentileMs(percentile),
      durationAvg: empty ? 0 : round3(this.histogram.mean / MICROS_PER_MS),
      durationMin: empty ? 0 : round3(this.histogram.minNonZeroValue / MICROS_PER_MS),
      durationMax: empty ? 0 : round3(this.histogram.maxValue / MICROS_PER_MS),
      requests: this.requests,
      failed: this.failed,
      dropped: this.dropped,
      seconds,
    };
  }

  stats(seconds: number): LatencyStats {
    return {
      requests: this.requests,
      failed: this.failed,
      dropped: this.dropped,
      byErrorKind: { ...this.byErrorKind },
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      max: this.requests === 0 ? 0 : round3(this.histogram.maxValue / MICROS_PER_MS),
      rps: seconds <= 0 ? 0 : round3(this.requests / seconds),
    };
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

export class LoadRecorder {
  readonly #overall = new Bucket(false);
  readonly #seconds = new Map<number, Bucket>();
  readonly #windows = new Map<string, Bucket>();
  readonly #marks: WindowMark[] = [];

  /**
   * Opens a window at `atMs` and closes the one before it. Requests count in
   * the window that was open at their scheduled send time.
   */
  mark(name: string, atMs: number): void {
    if (this.#windows.has(name)) {
      throw new RangeError(`window "${name}" was already marked: give each window its own name`);
    }
    this.closeWindow(atMs);
    this.#marks.push({ name, startMs: atMs });
    this.#windows.set(name, new Bucket(true));
  }

  /** Closes the open window, if any, at `atMs`. */
  closeWindow(atMs: number): void {
    const open = this.#marks.at(-1);
    if (open && open.endMs === undefined) open.endMs = Math.max(atMs, open.startMs);
  }

  marks(): readonly WindowMark[] {
    return this.#marks;
  }

  /** Records one request: `scheduledMs` since the start, latency from then, and its error kind when it failed. */
  record(scheduledMs: number, latencyMs: number, kind?: LoadErrorKind): void {
    this.#overall.record(latencyMs, kind);
    this.#secondBucket(scheduledMs).record(latencyMs, kind);
    this.#windowBucket(scheduledMs)?.record(latencyMs, kind);
  }

  /** Records `count` arrivals, due at about `scheduledMs`, dropped because the in-flight cap was reached. */
  recordDropped(scheduledMs: number, count = 1): void {
    this.#overall.dropped += count;
    this.#secondBucket(scheduledMs).dropped += count;
    const window = this.#windowBucket(scheduledMs);
    if (window) window.dropped += count;
  }

  /** The per-second row for `second`, or undefined when nothing was scheduled in it. */
  second(second: number): LoadSecond | undefined {
    const bucket = this.#seconds.get(second);
    return bucket ? secondRow(second, bucket) : undefined;
  }

  series(): LoadSecond[] {
    return [...this.#seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, bucket]) => secondRow(second, bucket));
  }

  overall(durationMs: number): { stats: LatencyStats; values: MetricValues } {
    const seconds = durationMs / 1000;
    return { stats: this.#overall.stats(seconds), values: this.#overall.values(seconds) };
  }

  /** Each window's stats; a window still open ends at `endMs`. */
  windows(endMs: number): Array<{ window: LoadWindow; values: MetricValues }> {
    return this.#marks.map((mark) => {
      const bucket = this.#windows.get(mark.name)!;
      const windowEnd = mark.endMs ?? endMs;
      const seconds = Math.max(windowEnd - mark.startMs, 0) / 1000;
      return {
        window: {
          name: mark.name,
          startMs: Math.round(mark.startMs),
          endMs: Math.round(windowEnd),
          ...bucket.stats(seconds),
        },
        values: bucket.values(seconds),
      };
    });
  }

  destroy(): void {
    this.#overall.destroy();
    for (const bucket of this.#seconds.values()) bucket.destroy();
    for (const bucket of this.#windows.values()) bucket.destroy();
  }

  #secondBucket(scheduledMs: number): Bucket {
    const second = Math.max(0, Math.floor(scheduledMs / 1000));
    let bucket = this.#seconds.get(second);
    if (!bucket) {
      bucket = new Bucket(true);
      this.#seconds.set(second, bucket);
    }
    return bucket;
  }

  #windowBucket(scheduledMs: number): Bucket | undefined {
    for (let i = this.#marks.length - 1; i >= 0; i -= 1) {
      const mark = this.#marks[i]!;
      if (scheduledMs < mark.startMs) continue;
      if (mark.endMs !== undefined && scheduledMs >= mark.endMs) return undefined;
      return this.#windows.get(mark.name);
    }
    return undefined;
  }
}

function secondRow(second: number, bucket: Bucket): LoadSecond {
  return {
    second,
    requests: bucket.requests,
    failed: bucket.failed,
    p50: bucket.percentileMs(50),
    p99: bucket.percentileMs(99),
    max: bucket.requests === 0 ? 0 : round3(bucket.histogram.maxValue / MICROS_PER_MS),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
