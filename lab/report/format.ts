/**
 * Number, time and status formats shared by the markdown, JUnit and chart
 * renderers, so the same value reads the same everywhere.
 */
import { formatDuration } from '../core/duration.ts';
import type { DocLink, RunStatus, ScenarioStatus, Score } from '../run/record.ts';

/** Formats milliseconds of latency: `0.8 ms`, `12 ms`, `1534 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** Formats an elapsed time for people, or `n/a` when it was never measured. */
export function formatElapsed(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? 'n/a' : formatDuration(ms);
}

/** Formats a scenario offset: `+12.4s`. */
export function formatOffset(ms: number): string {
  return `+${formatDuration(Math.max(0, ms))}`;
}

/** Formats a share of failed requests as a percentage with two decimals. */
export function formatRate(failed: number, total: number): string {
  if (total <= 0) return 'n/a';
  return `${((failed / total) * 100).toFixed(2)}%`;
}

export function formatScore(score: Score): string {
  if (score.possible === 0) return 'n/a (no points possible)';
  return `${score.percent.toFixed(1)}% (${formatPoints(score.earned)} of ${formatPoints(score.possible)} points)`;
}

/** Formats a score for a table cell: `83.3% (10/12)`. */
export function formatScoreShort(score: Score): string {
  if (score.possible === 0) return 'n/a';
  return `${score.percent.toFixed(1)}% (${formatPoints(score.earned)}/${formatPoints(score.possible)})`;
}

function formatPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(1);
}

/** Formats a byte count in binary units: `15.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Returns the word a report uses for a status. */
export function statusWord(status: RunStatus | ScenarioStatus): string {
  switch (status) {
    case 'passed':
      return 'passed';
    case 'failed':
      return 'failed';
    case 'errored':
      return 'errored';
    case 'interrupted':
      return 'interrupted';
    case 'timedout':
      return 'timed out';
    case 'running':
      return 'still running (partial record)';
    case 'skipped':
      return 'skipped';
  }
}

/** Formats a runbook or ADR link as its path from the project root with the anchor: `runbooks/x.md#y`. */
export function docLinkTarget(link: DocLink): string {
  return link.anchor ? `${link.path}#${link.anchor}` : link.path;
}
