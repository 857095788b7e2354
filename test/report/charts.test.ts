import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadMarkers, renderErrorChart, renderLatencyChart } from '../../lab/report/load-chart.ts';
import { renderPropagationChart } from '../../lab/report/propagation-chart.ts';
import { fitText, niceTicks } from '../../lab/report/svg.ts';
import type { LoadSecond, LoadSummary, ScenarioRecord } from '../../lab/run/record.ts';

const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

function series(count: number, failedAt: number[] = [], p99 = 12): LoadSecond[] {
  return Array.from({ length: count }, (_, second) => ({
    second,
    requests: 10,
    failed: failedAt.includes(second) ? 4 : 0,
    p50: 2,
    p99,
    max: p99 * 2,
  }));
}

function load(points: LoadSecond[]): LoadSummary {
  const stats = { requests: 0, failed: 0, byErrorKind: {}, p50: 0, p90: 0, p99: 0, max: 0, rps: 0 };
  return {
    engine: 'builtin',
    target: 'http://127.0.0.1:30080/',
    rate: 10,
    startedAt: '2026-12-04T18:00:10.000Z',
    durationMs: points.length * 1000,
    overall: stats,
    windows: [],
    series: points,
    thresholds: [],
  };
}

function scenario(overrides: Partial<ScenarioRecord>): ScenarioRecord {
  return {
    name: 's',
    title: 'S',
    file: 's.yaml',
    adrs: [],
    seed: 1,
    status: 'passed',
    startedAt: '2026-12-04T18:00:00.000Z',
    timeline: [],
    observations: [],
    checks: [],
    score: { earned: 0, possible: 0, percent: 0 },
    ...overrides,
  };
}

/** Parses SVG with Python's XML parser: a chart that is not well-formed XML shows nothing in a browser. */
function expectWellFormed(svg: string): void {
  const parsed = spawnSync(
    'python3',
    ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())'],
    {
      input: svg,
    },
  );
  expect(parsed.stderr.toString()).toBe('');
  expect(parsed.status).toBe(0);
}

describe('niceTicks', () => {
  it.each([
    [9, [0, 2, 4, 6, 8, 10]],
    [60, [0, 20, 40, 60]],
    [0.7, [0, 0.2, 0.4, 0.6, 0.8]],
    [0, [0, 1]],
  ])('max %d', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });
});

describe('fitText', () => {
  it('keeps text that fits', () => {
    expect(fitText('Latency per second', 600, 14)).toBe('Latency per second');
  });

  it('shortens text that does not', () => {
    const fitted = fitText('x'.repeat(200), 600, 14);
    expect(fitted).toHaveLength(71);
    expect(fitted.endsWith('…')).toBe(true);
  });
});

describe('loadMarkers', () => {
  it('places markers by wall-clock time', () => {
    const markers = loadMarkers(
      scenario({
        load: load(series(30)),
        fault: {
          type: 'x',
          targets: {},
          params: {},
          injectedAt: '2026-12-04T18:00:15.000Z',
          revertedAt: '2026-12-04T18:00:22.500Z',
        },
        rotation: {
          strategy: 'vault-static-role',
          startedAt: '2026-12-04T18:00:30.000Z',
          propagation: [{ name: 'vault-rotated', time: '2026-12-04T18:00:31.000Z', afterMs: 1000 }],
          zeroDowntime: true,
          verdict: 'ok',
        },
      }),
    );
    expect(markers.faults).toEqual([{ startSecond: 5, endSecond: 12.5, label: 'fault' }]);
    expect(markers.rotations).toEqual([
      { second: 20, label: 'rotation' },
      { second: 21, label: 'password changed' },
    ]);
  });

  it('falls back to load windows without a start time', () => {
    const summary = { ...load(series(30)), startedAt: undefined };
    summary.windows = [
      { ...summary.overall, name: 'before-fault', startMs: 0, endMs: 4000 },
      { ...summary.overall, name: 'during-fault', startMs: 4000, endMs: 9000 },
      { ...summary.overall, name: 'during-rotation', startMs: 12000, endMs: 20000 },
    ];
    const markers = loadMarkers(
      scenario({
        load: summary,
        fault: { type: 'x', targets: {}, params: {}, injectedAt: '2026-12-04T18:00:15.000Z' },
        rotation: {
          strategy: 'vault-static-role',
          startedAt: '2026-12-04T18:00:30.000Z',
          propagation: [],
          zeroDowntime: true,
          verdict: 'ok',
        },
      }),
    );
    expect(markers.faults).toEqual([{ startSecond: 4, endSecond: 9, label: 'during-fault' }]);
    expect(markers.rotations).toEqual([{ second: 12, label: 'rotation' }]);
  });
});

describe('renderLatencyChart', () => {
  const markers = {
    faults: [{ startSecond: 5, endSecond: 10, label: 'fault' }],
    rotations: [{ second: 20, label: 'rotation' }],
  };

  it.skipIf(!HAS_PYTHON)('is well-formed XML', () => {
    expectWellFormed(renderLatencyChart(load(series(30)), markers, 'A <chart> & "title"'));
  });

  it('shades fault, marks rotation', () => {
    const svg = renderLatencyChart(load(series(30)), markers, 'Latency');
    expect(svg).toMatch(
      /<rect x="\d+(\.\d)?" y="56" width="\d+(\.\d)?" height="186" fill="#f2b8b5"/,
    );
    expect(svg).toContain('stroke-dasharray="5 4"');
    expect(svg).toContain('>rotation</text>');
  });

  it('switches to log scale', () => {
    expect(renderLatencyChart(load(series(30, [], 12)), markers, 'L')).toContain('>latency</text>');
    expect(renderLatencyChart(load(series(30, [], 5000)), markers, 'L')).toContain(
      '>latency (log scale)</text>',
    );
  });

  it('gaps seconds without latency', () => {
    const points = series(10);
    points[6] = { ...points[6]!, p99: Number.NaN };
    const svg = renderLatencyChart(load(points), { faults: [], rotations: [] }, 'L');
    expect(svg).not.toContain('NaN');
  });

  it('gaps seconds without a success', () => {
    const points = series(10);
    points[4] = { ...points[4]!, failed: 10 };
    const svg = renderLatencyChart(load(points), { faults: [], rotations: [] }, 'L');
    const p50Path = /<path d="([^"]+)" fill="none" stroke="#1f6fb2"/.exec(svg)![1]!;
    expect(p50Path.match(/M/g)).toHaveLength(2);
  });
});

describe('renderErrorChart', () => {
  it('draws one bar per second with failures', () => {
    const svg = renderErrorChart(
      load(series(30, [7, 8, 9])),
      { faults: [], rotations: [] },
      'Errors',
    );
    expect(svg.match(/fill="#c0392b"><title>/g)).toHaveLength(3);
    expect(svg).toContain('<title>8s: 4 of 10 failed</title>');
  });

  it('labels an empty chart', () => {
    expect(renderErrorChart(load(series(30)), { faults: [], rotations: [] }, 'Errors')).toContain(
      'no failed requests',
    );
  });
});

describe('renderPropagationChart', () => {
  const rotation = {
    strategy: 'vault-static-role',
    startedAt: '2026-12-04T18:00:00.000Z',
    propagation: [
      { name: 'secret-updated' as const, time: '2026-12-04T18:00:10.000Z', afterMs: 10_000 },
      { name: 'rotation-started' as const, time: '2026-12-04T18:00:00.000Z', afterMs: 0 },
    ],
    zeroDowntime: false,
    verdict: 'requests failed',
  };

  it('lists events in time order', () => {
    const svg = renderPropagationChart(rotation, 'Propagation');
    expect(svg.indexOf('>rotation-started<')).toBeLessThan(svg.indexOf('>secret-updated<'));
    expect(svg).toContain('>10.0s</text>');
    expect(svg).toContain('vault-static-role, with downtime');
  });

  it.skipIf(!HAS_PYTHON)('is well-formed XML', () => {
    expectWellFormed(renderPropagationChart(rotation, 'Propagation'));
  });
});
