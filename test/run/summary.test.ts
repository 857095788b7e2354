/**
 * The end-of-run summary: the scenario table, the rotation table with the
 * load's failed requests, p99 per window and propagation, then failed checks.
 */
import { describe, expect, it } from 'vitest';
import type { LatencyStats, LoadWindow, RunRecord, ScenarioRecord } from '../../lab/run/record.ts';
import { formatSummary } from '../../lab/run/summary.ts';

function stats(requests: number, failed: number, p99: number): LatencyStats {
  return { requests, failed, byErrorKind: {}, p50: 3, p90: 10, p99, max: p99, rps: 50 };
}

function window(name: string, startMs: number, endMs: number, requests: number, failed: number, p99: number): LoadWindow {
  return { ...stats(requests, failed, p99), name, startMs, endMs };
}

function scenario(name: string, overrides: Partial<ScenarioRecord>): ScenarioRecord {
  return {
    name,
    title: name,
    file: `scenarios/${name}.yaml`,
    adrs: [],
    seed: 1,
    status: 'passed',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10_800,
    timeline: [],
    observations: [],
    checks: [],
    score: { earned: 9, possible: 9, percent: 100 },
    ...overrides,
  };
}

const staticRole = scenario('rotate-static', {
  load: {
    engine: 'builtin',
    target: 'http://127.0.0.1:30080/items',
    rate: 50,
    durationMs: 11_000,
    overall: stats(532, 0, 30.2),
    windows: [window('before-rotation', 0, 5000, 250, 0, 28.5), window('during-rotation', 5000, 6000, 32, 0, 28.4), window('after-rotation', 6000, 11_000, 250, 0, 26.9)],
    series: [],
    thresholds: [],
  },
  rotation: {
    strategy: 'vault-static-role',
    startedAt: '2026-01-01T00:00:05.000Z',
    propagation: [
      { name: 'rotation-started', time: '2026-01-01T00:00:05.000Z', afterMs: 0 },
      { name: 'new-credential-served', time: '2026-01-01T00:00:05.547Z', afterMs: 547 },
    ],
    zeroDowntime: true,
    verdict: 'zero downtime: 32 requests during the rotation, none failed, p99 28.4ms',
  },
});

const envVar = scenario('rotate-env', {
  status: 'passed',
  score: { earned: 4, possible: 6, percent: 66.7 },
  load: {
    engine: 'builtin',
    target: 'http://127.0.0.1:30080/items',
    rate: 50,
    durationMs: 18_000,
    overall: stats(898, 375, 1639.4),
    windows: [window('before-rotation', 0, 5000, 250, 0, 56.6), window('during-rotation', 5000, 13_000, 398, 375, 1639.4), window('after-rotation', 13_000, 18_000, 250, 0, 44.7)],
    series: [],
    thresholds: [],
  },
  rotation: {
    strategy: 'env-var-restart',
    startedAt: '2026-01-01T00:00:05.000Z',
    propagation: [{ name: 'new-credential-served', time: '2026-01-01T00:00:12.920Z', afterMs: 7920 }],
    zeroDowntime: false,
    verdict: 'downtime during the rotation: 375 of 398 requests failed',
    failureWindowMs: 8000,
  },
  checks: [
    {
      id: 'no-failed-requests',
      title: 'no request failed',
      phase: 'rotation',
      weight: 2,
      required: false,
      passed: false,
      message: '375 of 898 load requests failed',
    },
  ],
});

function runRecord(scenarios: ScenarioRecord[]): RunRecord {
  return {
    schemaVersion: 1,
    runId: '20260101T000000Z-abcd',
    status: 'passed',
    startedAt: '2026-01-01T00:00:00.000Z',
    argv: ['lab', 'run'],
    basecamp: { kind: 'embedded', endpoints: {} },
    environment: { node: 'v20', platform: 'linux', cpus: 2, memoryBytes: 1, tools: {} },
    scenarios,
    score: { earned: 13, possible: 15, percent: 86.7 },
  } as RunRecord;
}

describe('formatSummary', () => {
  it('adds a rotation table after the scenarios', () => {
    const lines = formatSummary(runRecord([staticRole, envVar])).split('\n');
    const header = lines.findIndex((line) => line.startsWith('ROTATION'));
    expect(header).toBe(4);
    expect(lines[header]).toMatch(/^ROTATION +STRATEGY +FAILED +P99 BEFORE +P99 DURING +P99 AFTER +SERVED AFTER +FAILURE WINDOW +ZERO DOWNTIME$/);
    expect(lines[header + 1]).toMatch(/^rotate-static +vault-static-role +0\/532 +29ms +28ms +27ms +547ms +- +yes$/);
    expect(lines[header + 2]).toMatch(/^rotate-env +env-var-restart +375\/898 +57ms +1639ms +45ms +7\.9s +8\.0s +no$/);
  });

  it('lists failed checks and the run score last', () => {
    const lines = formatSummary(runRecord([staticRole, envVar])).trimEnd().split('\n');
    expect(lines.at(-2)).toBe('  rotate-env: no-failed-requests failed (optional): 375 of 898 load requests failed');
    expect(lines.at(-1)).toBe('run 20260101T000000Z-abcd: passed, score 13/15 (86.7%)');
  });

  it('leaves the rotation table out without rotations', () => {
    const text = formatSummary(runRecord([scenario('vault-sealed', {})]));
    expect(text).not.toContain('ROTATION');
    expect(text.split('\n')[1]).toMatch(/^vault-sealed +passed +100% +- +- +10\.8s$/);
  });
});
