/**
 * Parses k6's NDJSON output (`k6 run --out json=FILE`): one `Metric` line
 * per metric, then `Point` lines `{"type":"Point","metric":NAME,"data":{"time","value","tags"}}`.
 * Fields are read by name because key order differs between k6 versions.
 * `http_req_duration` is in milliseconds; `http_req_failed` is 0 or 1.
 */
import { InvalidInputError } from '../core/errors.ts';
import type { LoadErrorKind } from '../run/record.ts';
import { kindOfK6Sample } from './error-kind.ts';
import type { LoadRecorder } from './recorder.ts';

export interface K6Request {
  /** Wall-clock time the request started, in epoch milliseconds (point time minus duration). */
  startEpochMs: number;
  durationMs: number;
  status: number;
  kind?: LoadErrorKind;
}

export interface K6Output {
  requests: K6Request[];
  /** Epoch milliseconds of each dropped iteration. */
  dropped: number[];
  /** `http_req_failed` points with value 1: a cross-check of the failures seen on durations. */
  failedPoints: number;
  /** Metric names declared by `Metric` lines. */
  metrics: string[];
}

interface PointData {
  time?: unknown;
  value?: unknown;
  tags?: Record<string, unknown> | null;
}

/**
 * Parses the whole output. A line that is not JSON is an error naming its
 * number, except a cut-off last line, which k6 can leave when it is killed.
 */
export function parseK6Output(text: string, source = 'k6 output'): K6Output {
  const output: K6Output = { requests: [], dropped: [], failedPoints: 0, metrics: [] };
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let entry: { type?: unknown; metric?: unknown; data?: PointData & { name?: unknown } };
    try {
      entry = JSON.parse(line);
    } catch {
      if (index === lines.length - 1 || (index === lines.length - 2 && lines.at(-1) === '')) return;
      throw new InvalidInputError(`${source}:${index + 1}: line is not JSON`, {
        hint: 'pass the file written by `k6 run --out json=FILE`',
      });
    }
    readEntry(entry, output, `${source}:${index + 1}`);
  });
  return output;
}

function readEntry(
  entry: { type?: unknown; metric?: unknown; data?: PointData & { name?: unknown } },
  output: K6Output,
  where: string,
): void {
  if (entry.type === 'Metric') {
    const name = typeof entry.metric === 'string' ? entry.metric : entry.data?.name;
    if (typeof name === 'string') output.metrics.push(name);
    return;
  }
  if (entry.type !== 'Point' || !entry.data) return;
  switch (entry.metric) {
    case 'http_req_duration':
      output.requests.push(requestOf(entry.data, where));
      return;
    case 'http_req_failed':
      if (Number(entry.data.value) === 1) output.failedPoints += 1;
      return;
    case 'dropped_iterations':
      for (let i = 0; i < Math.max(1, Number(entry.data.value) || 1); i += 1)
        output.dropped.push(timeOf(entry.data, where));
      return;
  }
}

function requestOf(data: PointData, where: string): K6Request {
  const durationMs = Number(data.value);
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new InvalidInputError(
      `${where}: http_req_duration value ${JSON.stringify(data.value)} is not a number of milliseconds`,
      {
        hint: 'pass the file written by `k6 run --out json=FILE`',
      },
    );
  }
  const tags = data.tags ?? {};
  const status = Number(tags.status ?? 0) || 0;
  const errorCode = tags.error_code === undefined ? undefined : Number(tags.error_code);
  let kind = kindOfK6Sample(status, errorCode);
  if (kind === undefined && tags.expected_response === 'false') kind = 'other';
  return {
    startEpochMs: timeOf(data, where) - durationMs,
    durationMs,
    status,
    ...(kind ? { kind } : {}),
  };
}

function timeOf(data: PointData, where: string): number {
  const time = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new InvalidInputError(
      `${where}: point time ${JSON.stringify(data.time)} is not an RFC 3339 time`,
      {
        hint: 'pass the file written by `k6 run --out json=FILE`',
      },
    );
  }
  return time;
}

/** Feeds parsed k6 requests and drops into a recorder, with times made relative to `originEpochMs`. */
export function recordK6Output(
  recorder: LoadRecorder,
  output: K6Output,
  originEpochMs: number,
): void {
  for (const request of output.requests) {
    recorder.record(request.startEpochMs - originEpochMs, request.durationMs, request.kind);
  }
  for (const at of output.dropped) recorder.recordDropped(at - originEpochMs);
}
