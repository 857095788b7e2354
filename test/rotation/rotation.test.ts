import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, MemorySink } from '../../lab/core/events.ts';
import { Redactor } from '../../lab/core/redact.ts';
import { runLoad } from '../../lab/load/index.ts';
import { resolveLoadProfile } from '../../lab/load/profile.ts';
import {
  judgeRotation,
  ROTATION_WINDOWS,
  rotationSpecs,
  runRotation,
} from '../../lab/rotation/index.ts';
import type { LoadSummary, RotationRecord } from '../../lab/run/record.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { type FakePlatform, startFakePlatform } from './fake-platform.ts';

const postgres = usePostgres({ database: 'app' });

let platform: FakePlatform;
let folder: string;
let redactor: Redactor;
let sink: MemorySink;
let events: EventBus;

function usePlatform(): void {
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lab-rotation-'));
    await chmod(folder, 0o700);
    platform = await startFakePlatform(postgres.current, folder, {
      kubeletDelayMs: 300,
      podStartMs: 800,
    });
    redactor = new Redactor();
    sink = new MemorySink();
    events = new EventBus('test-run', redactor);
    events.addSink(sink);
  });

  afterEach(async () => {
    await platform.close();
    await rm(folder, { recursive: true, force: true });
  });
}

async function rotateUnderLoad(
  strategy: string,
  params: Record<string, unknown>,
  durationSeconds: number,
) {
  const profile = resolveLoadProfile({
    url: new URL('/items', platform.serviceUrl).href,
    rate: 40,
    duration: `${durationSeconds}s`,
    timeout: '2s',
    // No latency threshold: unit tests carry no timing targets, so the verdict here rests on failures alone.
    thresholds: { http_req_failed: ['rate<0.001'] },
  });
  const load = await runLoad(profile, { engine: 'builtin' });
  load.mark(ROTATION_WINDOWS.before);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const record = await runRotation(strategy, params, {
    clients: platform.clients,
    redactor,
    events,
    load,
  });
  const summary = await load.done();
  return { record: judgeRotation(record, summary), summary };
}

function names(record: RotationRecord): string[] {
  return record.propagation.map((event) => event.name);
}

describe('rotation strategies on a loopback platform', () => {
  usePlatform();

  it('vault-static-role keeps every request served', async () => {
    const { record, summary } = await rotateUnderLoad('vault-static-role', {}, 5);

    expect(record.verdict).toMatch(/^zero downtime/);
    expect(record.zeroDowntime).toBe(true);
    expect(names(record)).toEqual([
      'rotation-started',
      'vault-rotated',
      'secret-updated',
      'file-visible',
      'new-credential-served',
      'old-credential-rejected',
    ]);
    const fileVisible = record.propagation.find((event) => event.name === 'file-visible')!;
    expect(fileVisible.afterMs).toBeGreaterThanOrEqual(300);
    expect(summary.windows.map((window) => window.name)).toEqual([
      'before-rotation',
      'during-rotation',
      'after-rotation',
    ]);
    expect(summary.overall.failed).toBe(0);
  }, 60_000);

  it('dual-account switches users with no failure', async () => {
    const { record } = await rotateUnderLoad('dual-account', { grace: '500ms' }, 5);

    expect(record.verdict).toMatch(/^zero downtime/);
    const served = record.propagation.find((event) => event.name === 'new-credential-served')!;
    expect(served.detail).toContain('"app_b"');
    const rejected = record.propagation.find((event) => event.name === 'old-credential-rejected')!;
    expect(rejected.detail).toContain('old credential of "app"');
    expect(rejected.afterMs).toBeGreaterThan(served.afterMs + 400);
    // The undo points the ExternalSecret back at the role it read before, and the service follows.
    const externalSecret = await platform.clients.kube.read<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { data: Array<{ remoteRef: { key: string } }> };
    }>({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'app-db', namespace: 'basecamp' });
    expect(externalSecret.spec.data.map((item) => item.remoteRef.key)).toEqual(['static-creds/app', 'static-creds/app']);
    const response = await fetch(new URL('/items', platform.serviceUrl));
    expect(((await response.json()) as { user: string }).user).toBe('app');
  }, 60_000);

  it('env-var-restart measures a failure window', async () => {
    const { record, summary } = await rotateUnderLoad('env-var-restart', { restartAfter: '1s' }, 6);

    expect(record.zeroDowntime).toBe(false);
    expect(names(record)).toContain('rollout-complete');
    expect(record.verdict).toMatch(/^downtime during the rotation: \d+ of \d+ requests failed/);
    expect(record.failureWindowMs).toBeGreaterThanOrEqual(1000);
    const during = summary.windows.find((window) => window.name === 'during-rotation')!;
    expect(during.byErrorKind['http-5xx']).toBeGreaterThan(0);
    expect(platform.mode()).toBe('files');
  }, 60_000);

  it('never logs a password', async () => {
    await rotateUnderLoad('vault-static-role', {}, 3);
    const text = JSON.stringify(sink.events);

    expect(redactor.secrets().length).toBeGreaterThanOrEqual(2);
    expect(redactor.findLeaks(text)).toEqual([]);
  }, 60_000);
});

describe('rotation input', () => {
  usePlatform();
  const context = () => ({ clients: platform.clients, redactor, events });

  it('rejects an unknown strategy', async () => {
    await expect(runRotation('restart-everything', {}, context())).rejects.toThrow(
      'unknown rotation strategy "restart-everything"',
    );
  });

  it('rejects an invalid timeout', async () => {
    await expect(runRotation('vault-static-role', { timeout: 'soon' }, context())).rejects.toThrow(
      /invalid parameters for rotation strategy vault-static-role: rotation.timeout: must be a duration/,
    );
  });

  it('rejects an unknown field', async () => {
    await expect(runRotation('dual-account', { graceSeconds: 5 }, context())).rejects.toThrow(
      /Unrecognized key: "graceSeconds"/,
    );
  });

  it('records a failed step in the verdict', async () => {
    const record = await runRotation('vault-static-role', { role: 'missing' }, context());

    expect(record.verdict).toMatch(/^rotation failed: .*static-creds\/missing/);
    expect(judgeRotation(record, undefined).verdict).toBe(record.verdict);
  });

  it('registers every strategy for scenarios', () => {
    expect(Object.keys(rotationSpecs).sort()).toEqual([
      'dual-account',
      'dynamic-credentials',
      'env-var-restart',
      'vault-root',
      'vault-static-role',
    ]);
  });
});

describe('zero-downtime verdict', () => {
  const record: RotationRecord = {
    strategy: 'vault-static-role',
    startedAt: '2026-12-04T10:00:00.000Z',
    propagation: [],
    zeroDowntime: false,
    verdict: 'not judged yet',
  };
  const window = {
    name: 'during-rotation',
    startMs: 2000,
    endMs: 5000,
    requests: 120,
    failed: 0,
    dropped: 0,
    byErrorKind: {},
    p50: 3,
    p90: 5,
    p99: 9,
    max: 12,
    rps: 40,
  };
  const summary = (overrides: Partial<typeof window>, thresholdPassed = true): LoadSummary => ({
    engine: 'builtin',
    target: 'http://127.0.0.1:1/items',
    rate: 40,
    durationMs: 8000,
    overall: { ...window },
    windows: [{ ...window, ...overrides }],
    series: [
      { second: 2, requests: 40, failed: 0, p50: 3, p99: 9, max: 12 },
      { second: 3, requests: 40, failed: overrides.failed ?? 0, p50: 3, p99: 9, max: 12 },
      { second: 4, requests: 40, failed: overrides.failed ?? 0, p50: 3, p99: 9, max: 12 },
    ],
    thresholds: [
      {
        metric: 'http_req_duration',
        expression: 'p(99)<250',
        window: 'during-rotation',
        passed: thresholdPassed,
        actual: 9,
      },
    ],
  });

  it('passes with no failure', () => {
    const judged = judgeRotation(record, summary({}));

    expect(judged.zeroDowntime).toBe(true);
    expect(judged.verdict).toBe(
      'zero downtime: 120 requests during the rotation, none failed, p99 9ms',
    );
  });

  it('fails on failed requests', () => {
    const judged = judgeRotation(
      record,
      summary({ failed: 4, byErrorKind: { 'http-5xx': 3, refused: 1 } }),
    );

    expect(judged.zeroDowntime).toBe(false);
    expect(judged.verdict).toContain('4 of 120 requests failed (http-5xx 3, refused 1)');
    expect(judged.failureWindowMs).toBe(2000);
  });

  it('fails on dropped arrivals', () => {
    expect(judgeRotation(record, summary({ dropped: 2 })).verdict).toContain(
      '2 arrivals were dropped',
    );
  });

  it('fails on a missed threshold', () => {
    expect(judgeRotation(record, summary({}, false)).verdict).toContain(
      'http_req_duration p(99)<250 failed with 9',
    );
  });

  it('is not judged without requests', () => {
    const judged = judgeRotation(record, summary({ requests: 0 }));

    expect(judged.zeroDowntime).toBe(false);
    expect(judged.verdict).toMatch(/^not judged: no request was sent during the rotation/);
  });

  it('is not judged without a window', () => {
    const judged = judgeRotation(record, { ...summary({}), windows: [] });

    expect(judged.zeroDowntime).toBe(false);
    expect(judged.verdict).toBe('not judged: the load has no during-rotation window');
  });
});
