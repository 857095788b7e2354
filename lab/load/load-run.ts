/**
 * A load run in progress, the same for both engines: the caller marks
 * windows (before, during, after a fault or a rotation) while the load runs,
 * then awaits the summary.
 */
import type { LoadSecond, LoadSummary } from '../run/record.ts';
import type { LoadProfile } from './profile.ts';
import type { LoadRecorder } from './recorder.ts';
import { evaluateThresholds, parseThresholds } from './threshold.ts';

export type LoadEngineName = 'builtin' | 'k6';

export interface RunLoadOptions {
  /** Aborting ends the load early; the summary covers what ran. */
  signal?: AbortSignal;
  /** Called once per second of the run when that second's requests have all finished. */
  onSecond?: (second: LoadSecond) => void;
}

export interface LoadRun {
  readonly engine: LoadEngineName;
  readonly profile: LoadProfile;
  /** Milliseconds since the load started. */
  elapsedMs(): number;
  /** Opens the window `name` now and closes the open one. Names must be unique within a run. */
  mark(name: string): void;
  /** Closes the open window now, without opening another. */
  closeWindow(): void;
  /** Stops sending new requests; requests in flight finish or time out. */
  stop(): void;
  /** Resolves when the load has ended and every request has settled. */
  done(): Promise<LoadSummary>;
}

/** Builds the run record's LoadSummary from a recorder, with thresholds overall and per window. */
export function summarize(
  engine: LoadEngineName,
  profile: LoadProfile,
  recorder: LoadRecorder,
  durationMs: number,
  startedAtEpochMs?: number,
): LoadSummary {
  const overall = recorder.overall(durationMs);
  const windows = recorder.windows(durationMs);
  const windowValues = new Map(windows.map(({ window, values }) => [window.name, values]));
  const thresholds = evaluateThresholds(
    parseThresholds(profile.thresholds),
    overall.values,
    windowValues,
  );
  return {
    engine,
    target: profile.url,
    rate:
      profile.stages.length > 0
        ? Math.max(profile.rate, ...profile.stages.map((stage) => stage.target))
        : profile.rate,
    ...(startedAtEpochMs === undefined
      ? {}
      : { startedAt: new Date(startedAtEpochMs).toISOString() }),
    durationMs: Math.round(durationMs),
    overall: overall.stats,
    windows: windows.map(({ window }) => window),
    series: recorder.series(),
    thresholds,
  };
}
