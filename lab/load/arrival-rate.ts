/**
 * The open-model arrival schedule: when the n-th request is due, in
 * milliseconds from the start. A constant rate puts arrival n at n / rate.
 * A ramping rate changes linearly within each stage, as k6's
 * ramping-arrival-rate executor does (grafana/k6 lib/executor/ramping_arrival_rate.go).
 * The arrival count is the integral of the rate, and each arrival time
 * solves that integral for n. k6 starts its count at 1, so its first
 * iteration waits 1 / rate; here arrival 0 goes out at once.
 */
import type { RampStage } from './profile.ts';

interface Segment {
  startMs: number;
  durationMs: number;
  /** Requests per second at the start and the end of the segment. */
  fromRate: number;
  toRate: number;
  /** Arrivals due before the segment starts. */
  arrivalsBefore: number;
  arrivals: number;
}

export class ArrivalSchedule {
  /** Number of arrivals in the whole run. */
  readonly total: number;
  readonly durationMs: number;
  readonly #segments: Segment[];

  constructor(rate: number, stages: readonly RampStage[], durationMs: number) {
    this.durationMs = durationMs;
    this.#segments = buildSegments(rate, stages, durationMs);
    const last = this.#segments.at(-1);
    const expected = last ? last.arrivalsBefore + last.arrivals : 0;
    // Arrival n is due when the integral reaches n, so arrival 0 is due at 0 ms.
    this.total = Math.max(0, Math.ceil(expected - 1e-9));
  }

  /** Milliseconds from the start at which arrival `n` (from 0) is due. */
  timeOf(n: number): number {
    const segment = this.#segmentFor(n);
    const k = n - segment.arrivalsBefore;
    const seconds = segment.durationMs / 1000;
    const a = (segment.toRate - segment.fromRate) / (2 * seconds);
    const b = segment.fromRate;
    let t: number;
    if (Math.abs(a) < 1e-12) {
      t = b === 0 ? seconds : k / b;
    } else {
      const discriminant = Math.max(0, b * b + 4 * a * k);
      t = (-b + Math.sqrt(discriminant)) / (2 * a);
    }
    return segment.startMs + Math.min(Math.max(t, 0), seconds) * 1000;
  }

  /** Number of arrivals due at or before `ms` from the start, from the integral of the rate. */
  countThrough(ms: number): number {
    let count = 0;
    for (const segment of this.#segments) {
      if (ms < segment.startMs) break;
      const seconds = Math.min(ms - segment.startMs, segment.durationMs) / 1000;
      const slope = (segment.toRate - segment.fromRate) / (segment.durationMs / 1000);
      count = segment.arrivalsBefore + segment.fromRate * seconds + (slope * seconds * seconds) / 2;
    }
    // Arrival n is due when the integral reaches n, so n = 0 is due at once.
    return Math.min(this.total, Math.floor(count + 1e-9) + 1);
  }

  /** Requests per second asked for at `ms` from the start. */
  rateAt(ms: number): number {
    const segment =
      this.#segments.find((s) => ms < s.startMs + s.durationMs) ?? this.#segments.at(-1);
    if (!segment) return 0;
    const fraction = Math.min(Math.max((ms - segment.startMs) / segment.durationMs, 0), 1);
    return segment.fromRate + (segment.toRate - segment.fromRate) * fraction;
  }

  #segmentFor(n: number): Segment {
    for (const segment of this.#segments) {
      if (n < segment.arrivalsBefore + segment.arrivals) return segment;
    }
    return this.#segments.at(-1)!;
  }
}

function buildSegments(rate: number, stages: readonly RampStage[], durationMs: number): Segment[] {
  const plan = stages.length > 0 ? stages : [{ target: rate, durationMs }];
  const segments: Segment[] = [];
  let startMs = 0;
  let fromRate = rate;
  let arrivalsBefore = 0;
  for (const stage of plan) {
    if (stage.durationMs <= 0) {
      fromRate = stage.target;
      continue;
    }
    const arrivals = ((fromRate + stage.target) / 2) * (stage.durationMs / 1000);
    segments.push({
      startMs,
      durationMs: stage.durationMs,
      fromRate,
      toRate: stage.target,
      arrivalsBefore,
      arrivals,
    });
    startMs += stage.durationMs;
    arrivalsBefore += arrivals;
    fromRate = stage.target;
  }
  return segments;
}
