/**
 * The load and rotation parts of a scenario's section: latency and errors
 * per window, thresholds, the propagation timeline, and the chart images.
 */
import type { LatencyStats, LoadErrorKind, RotationRecord, ScenarioRecord } from '../run/record.ts';
import type { ScenarioCharts } from './chart-plan.ts';
import { formatElapsed, formatMs, formatRate } from './format.ts';
import { codeSpan, escapeText, table } from './markdown-text.ts';

const ERROR_KINDS: readonly LoadErrorKind[] = [
  'connect-timeout',
  'refused',
  'reset',
  'timeout',
  'http-5xx',
  'http-4xx',
  'other',
];

export function renderLoadSection(scenario: ScenarioRecord, charts: ScenarioCharts): string {
  const load = scenario.load!;
  const { overall } = load;
  const parts = [
    `${load.engine === 'k6' ? 'k6' : 'Built-in open-model engine'} against ${codeSpan(load.target)} ` +
      `at ${load.rate} requests/s for ${formatElapsed(load.durationMs)}: ${overall.requests} requests, ` +
      `${overall.failed} failed (${formatRate(overall.failed, overall.requests)}). ` +
      'Latency is measured from the scheduled send time, so queueing counts.',
  ];
  if (overall.dropped) {
    parts[0] += ` ${overall.dropped} arrivals were dropped unsent at the in-flight cap and are not counted above.`;
  }

  const rows = [
    statsRow('overall', 0, load.durationMs, overall),
    ...load.windows.map((window) => statsRow(window.name, window.startMs, window.endMs, window)),
  ];
  parts.push(
    table(
      [
        'window',
        'from',
        'to',
        'requests',
        'failed',
        'error rate',
        'p50',
        'p90',
        'p99',
        'max',
        'rps',
      ],
      rows,
    ),
  );

  const errorRows = errorKindRows(overall);
  if (errorRows.length > 0) parts.push(table(['error', 'requests'], errorRows));

  if (load.thresholds.length > 0) {
    const thresholdRows = load.thresholds.map((threshold) => [
      threshold.passed ? 'passed' : 'failed',
      codeSpan(threshold.metric),
      codeSpan(threshold.expression),
      escapeText(threshold.window),
      Number.isFinite(threshold.actual)
        ? String(roundActual(threshold.actual))
        : 'n/a (no samples)',
    ]);
    parts.push(table(['result', 'metric', 'threshold', 'window', 'actual'], thresholdRows));
  }

  if (charts.latency) {
    parts.push(`![Latency p50 and p99 per second](${encodeURI(charts.latency)})`);
  }
  if (charts.errors) parts.push(`![Failed requests per second](${encodeURI(charts.errors)})`);
  return parts.join('\n\n');
}

function statsRow(name: string, startMs: number, endMs: number, stats: LatencyStats): string[] {
  return [
    escapeText(name),
    formatElapsed(startMs),
    formatElapsed(endMs),
    String(stats.requests),
    String(stats.failed),
    formatRate(stats.failed, stats.requests),
    formatMs(stats.p50),
    formatMs(stats.p90),
    formatMs(stats.p99),
    formatMs(stats.max),
    Number.isFinite(stats.rps) ? stats.rps.toFixed(1) : 'n/a',
  ];
}

function errorKindRows(stats: LatencyStats): string[][] {
  return ERROR_KINDS.flatMap((kind) => {
    const count = stats.byErrorKind[kind] ?? 0;
    return count > 0 ? [[codeSpan(kind), String(count)]] : [];
  });
}

function roundActual(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function renderRotationSection(rotation: RotationRecord, charts: ScenarioCharts): string {
  const parts = [
    `Strategy ${codeSpan(rotation.strategy)}, started at ${rotation.startedAt}` +
      (rotation.endedAt ? `, ended at ${rotation.endedAt}` : ', not finished') +
      `. Zero downtime: **${rotation.zeroDowntime ? 'yes' : 'no'}**. Verdict: ${escapeText(rotation.verdict)}`,
  ];
  if (rotation.failureWindowMs !== undefined) {
    parts.push(
      `Requests failed over ${formatElapsed(rotation.failureWindowMs)}, from the first to the last second of ` +
        'the rotation window with a failure.',
    );
  }
  if (rotation.propagation.length === 0) {
    parts.push('No propagation event was recorded.');
    return parts.join('\n\n');
  }
  const events = [...rotation.propagation].sort((a, b) => a.afterMs - b.afterMs);
  const rows = events.map((event) => [
    codeSpan(event.name),
    formatElapsed(event.afterMs),
    event.time,
    event.detail ? codeSpan(event.detail) : '',
  ]);
  parts.push(table(['event', 'after rotation start', 'time', 'detail'], rows));
  if (charts.propagation) {
    parts.push(`![Rotation propagation timeline](${encodeURI(charts.propagation)})`);
  }
  return parts.join('\n\n');
}
