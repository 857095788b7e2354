/**
 * The zero-downtime verdict: no failed or dropped request and every
 * threshold met in the `during-rotation` window of the load.
 */
import type { LoadSummary, LoadWindow, RotationRecord } from '../run/record.ts';
import { ROTATION_WINDOWS } from './context.ts';

/** Prefix of the verdict of a rotation whose steps failed. Judging keeps such a verdict. */
export const ROTATION_FAILED = 'rotation failed: ';

/** Prefix of the verdict of a rotation that could not be judged (no load, or none during the rotation). */
export const NOT_JUDGED = 'not judged';

/** Returns the record with `zeroDowntime` and `verdict` set from the load summary; a failed rotation keeps its verdict. */
export function judgeRotation(
  record: RotationRecord,
  load: LoadSummary | undefined,
): RotationRecord {
  if (record.verdict.startsWith(ROTATION_FAILED)) return { ...record, zeroDowntime: false };
  if (!load) {
    return {
      ...record,
      zeroDowntime: false,
      verdict: `${NOT_JUDGED}: no load ran during the rotation`,
    };
  }
  const window = load.windows.find((candidate) => candidate.name === ROTATION_WINDOWS.during);
  if (!window) {
    return {
      ...record,
      zeroDowntime: false,
      verdict: `${NOT_JUDGED}: the load has no ${ROTATION_WINDOWS.during} window`,
    };
  }
  if (window.requests === 0 && (window.dropped ?? 0) === 0) {
    return {
      ...record,
      zeroDowntime: false,
      verdict: `${NOT_JUDGED}: no request was sent during the rotation; make the load last longer`,
    };
  }
  const failedThresholds = load.thresholds.filter(
    (result) => result.window === window.name && !result.passed,
  );
  const dropped = window.dropped ?? 0;
  const problems: string[] = [];
  if (window.failed > 0)
    problems.push(`${window.failed} of ${window.requests} requests failed (${kindsText(window)})`);
  if (dropped > 0) problems.push(`${dropped} arrivals were dropped at the in-flight cap`);
  for (const result of failedThresholds)
    problems.push(`${result.metric} ${result.expression} failed with ${result.actual}`);
  if (problems.length === 0) {
    return {
      ...record,
      zeroDowntime: true,
      verdict: `zero downtime: ${window.requests} requests during the rotation, none failed, p99 ${window.p99}ms`,
    };
  }
  const span = failureSpan(load, window);
  const spanText = span
    ? `; failures from second ${span.first} to ${span.last} of the load, about ${span.ms / 1000}s`
    : '';
  return {
    ...record,
    zeroDowntime: false,
    verdict: `downtime during the rotation: ${problems.join('; ')}${spanText}`,
    ...(span ? { failureWindowMs: span.ms } : {}),
  };
}

/**
 * Returns the span of the window's seconds that saw failed requests, from
 * the first to the last, at one-second resolution.
 */
export function failureSpan(
  load: LoadSummary,
  window: LoadWindow,
): { first: number; last: number; ms: number } | undefined {
  const firstSecond = Math.floor(window.startMs / 1000);
  const lastSecond = Math.ceil(window.endMs / 1000);
  const failing = load.series.filter(
    (row) => row.failed > 0 && row.second >= firstSecond && row.second <= lastSecond,
  );
  if (failing.length === 0) return undefined;
  const first = failing[0]!.second;
  const last = failing.at(-1)!.second;
  return { first, last, ms: (last - first + 1) * 1000 };
}

function kindsText(window: LoadWindow): string {
  return Object.entries(window.byErrorKind)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
}
