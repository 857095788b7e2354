/**
 * Load charts over the seconds of a scenario's load: latency p50 and p99,
 * and the share of failed requests, each with the fault window shaded and
 * rotation moments marked as dashed lines.
 */
import type { LoadSecond, LoadSummary, ScenarioRecord } from '../run/record.ts';
import {
  type Box,
  COLORS,
  escapeXml,
  fitText,
  type LegendItem,
  legend,
  linearScale,
  logScale,
  round,
  type Scale,
  svgOpen,
  text,
  xAxis,
  yAxis,
} from './svg.ts';

/** A span of the load, in seconds since the load started. */
export interface ChartWindow {
  startSecond: number;
  endSecond: number;
  label: string;
}

export interface ChartMoment {
  second: number;
  label: string;
}

export interface LoadMarkers {
  faults: ChartWindow[];
  rotations: ChartMoment[];
}

const WIDTH = 760;
const HEIGHT = 300;
const BOX: Box = { left: 64, top: 56, width: 670, height: 186 };
const LEGEND_Y = 40;

/** Rotation moments closer than this (pixels) share one marker, so their labels stay readable. */
const MIN_MARKER_GAP = 10;

/** Latency spread above which the y axis turns logarithmic, so p50 stays readable next to timeouts. */
const LOG_SCALE_RATIO = 50;

/** The load windows the runner and rotation open (`during-fault`, `during-rotation`). */
const FAULT_WINDOW = /^during-fault/;
const ROTATION_WINDOW = /^during-rotation/;

/**
 * Places the fault window and rotation moments on the load's time axis.
 * Times come from `load.startedAt`. Without it, the `during-fault` load
 * window is used for the fault, and the start of `during-rotation` for the
 * rotation.
 */
export function loadMarkers(scenario: ScenarioRecord): LoadMarkers {
  const load = scenario.load;
  if (!load) return { faults: [], rotations: [] };
  const start = load.startedAt ? Date.parse(load.startedAt) : Number.NaN;
  const endSecond = load.durationMs / 1000;
  const secondOf = (time: string | undefined): number | undefined => {
    if (!time || Number.isNaN(start)) return undefined;
    const at = Date.parse(time);
    return Number.isNaN(at) ? undefined : (at - start) / 1000;
  };

  const faults: ChartWindow[] = [];
  const injected = secondOf(scenario.fault?.injectedAt);
  if (injected !== undefined) {
    const reverted = secondOf(scenario.fault?.revertedAt) ?? endSecond;
    faults.push({ startSecond: injected, endSecond: reverted, label: 'fault' });
  } else {
    for (const window of load.windows.filter((candidate) => FAULT_WINDOW.test(candidate.name))) {
      faults.push({
        startSecond: window.startMs / 1000,
        endSecond: window.endMs / 1000,
        label: window.name,
      });
    }
  }

  const rotations: ChartMoment[] = [];
  const rotation = scenario.rotation;
  const rotationStart = secondOf(rotation?.startedAt);
  if (rotationStart !== undefined) rotations.push({ second: rotationStart, label: 'rotation' });
  const changed = rotation?.propagation.find((event) => event.name === 'vault-rotated');
  const changedAt = secondOf(changed?.time);
  if (changedAt !== undefined) rotations.push({ second: changedAt, label: 'password changed' });
  if (rotation && rotationStart === undefined) {
    const window = load.windows.find((candidate) => ROTATION_WINDOW.test(candidate.name));
    if (window) rotations.push({ second: window.startMs / 1000, label: 'rotation' });
  }
  return { faults, rotations };
}

/** Renders p50 and p99 latency per second as two lines; seconds without completed requests are gaps. */
export function renderLatencyChart(load: LoadSummary, markers: LoadMarkers, title: string): string {
  const seconds = secondsSpan(load);
  const values = load.series.filter(hasLatency).flatMap((point) => [point.p50, point.p99]);
  const max = Math.max(1, ...values);
  const min = Math.min(max, ...values.filter((value) => value > 0));
  const useLog = max / Math.max(min, 0.001) > LOG_SCALE_RATIO;
  const format = (value: number) => {
    if (value === 0) return '0';
    return value >= 1000 ? `${value / 1000} s` : `${value} ms`;
  };
  const y = useLog
    ? logScale(min, max, BOX.top + BOX.height, BOX.top, format)
    : linearScale(max, BOX.top + BOX.height, BOX.top, format);
  const x = linearScale(seconds, BOX.left, BOX.left + BOX.width, (value) => `${value}s`);

  const description =
    `Latency of successful requests per second over ${seconds} seconds at ${load.rate} requests/s, ` +
    `p50 up to ${Math.round(Math.max(0, ...load.series.filter(hasLatency).map((point) => point.p50)))} ms ` +
    `and p99 up to ${Math.round(max)} ms.`;
  return [
    svgOpen(WIDTH, HEIGHT, title, description),
    text(BOX.left, 18, fitText(title, WIDTH - BOX.left - 16, 14), {
      'font-size': 14,
      'font-weight': 600,
    }),
    shadeFaults(markers.faults, x),
    yAxis(BOX, y, useLog ? 'latency (log scale)' : 'latency'),
    xAxis(BOX, x, 'seconds since load start'),
    linePath(load, 'p50', x, y, COLORS.p50),
    linePath(load, 'p99', x, y, COLORS.p99),
    markRotations(markers.rotations, x),
    legend(BOX.left, LEGEND_Y, [
      { color: COLORS.p50, label: 'p50' },
      { color: COLORS.p99, label: 'p99' },
      ...markerLegend(markers),
    ]),
    '</svg>',
    '',
  ].join('\n');
}

/** Renders the share of failed requests per second as bars, in percent. */
export function renderErrorChart(load: LoadSummary, markers: LoadMarkers, title: string): string {
  const seconds = secondsSpan(load);
  const rates = load.series.map((point) =>
    point.requests > 0 ? (100 * point.failed) / point.requests : 0,
  );
  const peak = Math.max(0, ...rates);
  const y = linearScale(Math.max(5, peak), BOX.top + BOX.height, BOX.top, (value) => `${value}%`);
  const x = linearScale(seconds, BOX.left, BOX.left + BOX.width, (value) => `${value}s`);
  const barWidth = Math.max(1, round(x(1) - x(0) - 1));

  const bars = load.series
    .map((point, index) => ({ point, rate: rates[index]! }))
    .filter(({ rate }) => rate > 0)
    .map(({ point, rate }) => {
      const top = round(y(rate));
      const height = round(BOX.top + BOX.height - top);
      const tooltip = `${point.second}s: ${point.failed} of ${point.requests} failed`;
      return `<rect x="${round(x(point.second))}" y="${top}" width="${barWidth}" height="${height}" fill="${COLORS.errors}"><title>${escapeXml(tooltip)}</title></rect>`;
    });
  const failedSeconds = bars.length;
  const description =
    `Failed requests per second as a percentage, peak ${peak.toFixed(1)}%, ` +
    `${failedSeconds} of ${load.series.length} seconds with failures.`;
  return [
    svgOpen(WIDTH, HEIGHT, title, description),
    text(BOX.left, 18, fitText(title, WIDTH - BOX.left - 16, 14), {
      'font-size': 14,
      'font-weight': 600,
    }),
    shadeFaults(markers.faults, x),
    yAxis(BOX, y, 'failed requests, %'),
    xAxis(BOX, x, 'seconds since load start'),
    ...bars,
    bars.length === 0
      ? text(BOX.left + BOX.width / 2, BOX.top + BOX.height / 2, 'no failed requests', {
          'text-anchor': 'middle',
          fill: '#555555',
        })
      : '',
    markRotations(markers.rotations, x),
    legend(BOX.left, LEGEND_Y, [
      { color: COLORS.errors, label: 'failed', area: true },
      ...markerLegend(markers),
    ]),
    '</svg>',
    '',
  ].join('\n');
}

function secondsSpan(load: LoadSummary): number {
  const lastSecond = Math.max(0, ...load.series.map((point) => point.second + 1));
  return Math.max(1, Math.ceil(load.durationMs / 1000), lastSecond);
}

/** True when some request of the second succeeded and its latency was recorded. */
function hasLatency(point: LoadSecond): boolean {
  return point.requests > point.failed && Number.isFinite(point.p50) && Number.isFinite(point.p99);
}

function linePath(
  load: LoadSummary,
  key: 'p50' | 'p99',
  x: Scale,
  y: Scale,
  color: string,
): string {
  const segments: string[] = [];
  let current: string[] = [];
  for (const point of load.series) {
    if (!hasLatency(point)) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      continue;
    }
    const command = current.length === 0 ? 'M' : 'L';
    current.push(`${command}${round(x(point.second + 0.5))},${round(y(point[key]))}`);
  }
  if (current.length > 0) segments.push(current.join(' '));
  if (segments.length === 0) return '';
  return `<path d="${segments.join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`;
}

function shadeFaults(faults: ChartWindow[], x: Scale): string {
  return faults
    .map((window) => {
      const left = round(x(Math.max(0, window.startSecond)));
      const right = round(x(Math.max(window.startSecond, window.endSecond)));
      return [
        `<rect x="${left}" y="${BOX.top}" width="${round(Math.max(1, right - left))}" height="${BOX.height}" fill="${COLORS.fault}" fill-opacity="0.55"/>`,
        text(left + 4, BOX.top + 14, window.label, { fill: '#8a1c14' }),
      ].join('\n');
    })
    .join('\n');
}

function markerLegend(markers: LoadMarkers): LegendItem[] {
  const items: LegendItem[] = [];
  if (markers.faults.length > 0)
    items.push({ color: COLORS.fault, label: 'fault window', area: true });
  if (markers.rotations.length > 0)
    items.push({ color: COLORS.rotation, label: 'rotation', dashed: true });
  return items;
}

function markRotations(moments: ChartMoment[], x: Scale): string {
  const markers: Array<{ position: number; labels: string[] }> = [];
  for (const moment of moments) {
    const position = round(x(Math.max(0, moment.second)));
    const previous = markers[markers.length - 1];
    if (previous && Math.abs(position - previous.position) < MIN_MARKER_GAP)
      previous.labels.push(moment.label);
    else markers.push({ position, labels: [moment.label] });
  }
  return markers
    .map(({ position, labels }, index) => {
      const labelY = BOX.top + 14 + 14 * (index + 1);
      return [
        `<line x1="${position}" x2="${position}" y1="${BOX.top}" y2="${BOX.top + BOX.height}" stroke="${COLORS.rotation}" stroke-width="2" stroke-dasharray="5 4"/>`,
        text(position + 4, labelY, labels.join(', '), { fill: COLORS.rotation }),
      ].join('\n');
    })
    .join('\n');
}
