import { describe, expect, it } from 'vitest';
import { defaultGradeConfig, gradeScenario, type PhaseOutcomes, runScore, scoreOf, unknownCheckIds } from '../../lab/grading/index.ts';
import type { Observation, ScenarioRecord } from '../../lab/run/record.ts';

function record(overrides: Partial<ScenarioRecord> = {}): ScenarioRecord {
  return {
    name: 'demo',
    title: 'Demo',
    file: 'scenarios/demo.yaml',
    adrs: [],
    seed: 1,
    status: 'running',
    startedAt: '2026-01-01T00:00:00.000Z',
    timeline: [],
    observations: [],
    checks: [],
    score: { earned: 0, possible: 0, percent: 0 },
    ...overrides,
  };
}

function observation(probe: string, phase: Observation['phase'], ok: boolean, message: string): Observation {
  return { time: '2026-01-01T00:00:01.000Z', offsetMs: 1000, phase, probe, ok, message };
}

const healthy: PhaseOutcomes = {
  faultInjected: true,
  steadyState: { passed: true, message: 'every steady-state probe passed' },
  symptomsWithin: '60s',
  recoveryWithin: '60s',
  remediation: { passed: true, message: 'ran 1 fix steps' },
  cleanups: [{ name: 'unseal Vault', ok: true }],
};

const detection = { at: '2026-01-01T00:00:05.000Z', afterMs: 4200, probe: 'vault-health', message: 'Vault sys/health 503: sealed=true' };
const recovery = { at: '2026-01-01T00:00:09.000Z', afterMs: 3000 };

describe('gradeScenario', () => {
  const config = defaultGradeConfig({ fault: true, load: false, remediation: true, guarded: true });

  it('passes a detected and recovered scenario', () => {
    const guard = observation('secret-unchanged', 'symptoms', true, 'Secret basecamp/app-config kept its value');
    const grade = gradeScenario(record({ detection, recovery, observations: [guard] }), healthy, config);
    expect(grade.passed).toBe(true);
    expect(grade.score.percent).toBe(100);
    const detected = grade.checks.find((check) => check.id === 'detected');
    expect(detected?.message).toBe('detected after 4.2s by vault-health: "Vault sys/health 503: sealed=true"');
    const recovered = grade.checks.find((check) => check.id === 'recovered');
    expect(recovered?.message).toBe('every recovery probe passed 3.0s after remediation began');
    const reverted = grade.checks.find((check) => check.id === 'reverted');
    expect(reverted?.message).toBe('1 cleanup step ran');
  });

  it.each([
    { afterMs: 46, detected: 'detected after 46ms by vault-health: "sealed"', recovered: 'every recovery probe passed 46ms after remediation began' },
    { afterMs: 1200, detected: 'detected after 1.2s by vault-health: "sealed"', recovered: 'every recovery probe passed 1.2s after remediation began' },
    { afterMs: 63_000, detected: 'detected after 1m03s by vault-health: "sealed"', recovered: 'every recovery probe passed 1m03s after remediation began' },
  ])('states detection and recovery time of $afterMs ms', ({ afterMs, detected, recovered }) => {
    const fast = record({
      detection: { ...detection, afterMs, message: 'sealed' },
      recovery: { ...recovery, afterMs },
    });
    const grade = gradeScenario(fast, healthy, config);

    expect(grade.checks.find((check) => check.id === 'detected')?.message).toBe(detected);
    expect(grade.checks.find((check) => check.id === 'recovered')?.message).toBe(recovered);
  });

  it.each([
    { count: 0, message: '0 cleanup steps ran' },
    { count: 1, message: '1 cleanup step ran' },
    { count: 3, message: '3 cleanup steps ran' },
  ])('counts $count cleanup steps in reverted', ({ count, message }) => {
    const cleanups = Array.from({ length: count }, (_, index) => ({ name: `cleanup ${index}`, ok: true }));
    const grade = gradeScenario(record({ detection, recovery }), { ...healthy, cleanups }, config);

    expect(grade.checks.find((check) => check.id === 'reverted')?.message).toBe(message);
  });

  it('fails a required check when the symptom never appeared', () => {
    const seen = observation('vault-health', 'symptoms', false, 'Vault sys/health 200: sealed=false');
    const grade = gradeScenario(record({ recovery, observations: [seen] }), healthy, config);
    expect(grade.passed).toBe(false);
    const detected = grade.checks.find((check) => check.id === 'detected')!;
    expect(detected.passed).toBe(false);
    expect(detected.required).toBe(true);
    expect(detected.message).toContain('within 60s');
    expect(detected.message).toContain('Vault sys/health 200: sealed=false');
  });

  it('says an interrupted scenario was not measured', () => {
    const interrupted: PhaseOutcomes = { ...healthy, interrupted: 'interrupted by SIGINT' };
    const grade = gradeScenario(record({ status: 'interrupted' }), interrupted, config);
    const detected = grade.checks.find((check) => check.id === 'detected')!;
    const recovered = grade.checks.find((check) => check.id === 'recovered')!;
    expect(detected.passed).toBe(false);
    expect(detected.message).toBe('not measured: interrupted by SIGINT before the symptoms appeared');
    expect(recovered.message).toBe('not measured: interrupted by SIGINT before recovery');
  });

  it('names the failed remediation step', () => {
    const outcomes = { ...healthy, remediation: { passed: false, failedStep: 'remediation.actions[1] shell', message: 'remediation.actions[1] shell failed: command exited with 3' } };
    const grade = gradeScenario(record({ detection }), outcomes, config);
    const remediation = grade.checks.find((check) => check.id === 'remediation')!;
    expect(remediation.passed).toBe(false);
    expect(remediation.message).toContain('remediation.actions[1] shell');
    expect(grade.passed).toBe(false);
  });

  it('fails nothing-lost when the Secret changed during the fault', () => {
    const changed = observation('secret-unchanged', 'symptoms', false, 'Secret basecamp/app-db changed since the scenario recorded it');
    const grade = gradeScenario(record({ detection, recovery, observations: [changed] }), healthy, config);
    const check = grade.checks.find((candidate) => candidate.id === 'nothing-lost')!;
    expect(check.passed).toBe(false);
    expect(check.message).toContain('changed since');
  });

  it('reports nothing-lost as not measured without a guard probe', () => {
    const grade = gradeScenario(record({ detection, recovery }), healthy, config);
    const check = grade.checks.find((candidate) => candidate.id === 'nothing-lost')!;
    expect(check.passed).toBe(false);
    expect(check.message).toContain('not measured');
    expect(grade.passed).toBe(false);
  });

  it('leaves nothing-lost out of unguarded defaults', () => {
    const unguarded = defaultGradeConfig({ fault: true, load: false, remediation: true });
    expect(unguarded.weights['nothing-lost']).toBeUndefined();
    const grade = gradeScenario(record({ detection, recovery }), healthy, unguarded);
    expect(grade.passed).toBe(true);
    expect(grade.score.percent).toBe(100);
  });

  it('fails reverted when a cleanup failed', () => {
    const outcomes = { ...healthy, cleanups: [{ name: 'unseal Vault', ok: false, error: 'Vault is still sealed' }] };
    const grade = gradeScenario(record({ detection, recovery }), outcomes, config);
    const check = grade.checks.find((candidate) => candidate.id === 'reverted')!;
    expect(check.passed).toBe(false);
    expect(check.message).toContain('unseal Vault (Vault is still sealed)');
  });

  it('counts failed load requests', () => {
    const load = {
      engine: 'builtin' as const,
      target: 'http://127.0.0.1/items',
      rate: 10,
      durationMs: 1000,
      overall: { requests: 10, failed: 2, byErrorKind: {}, p50: 1, p90: 1, p99: 1, max: 1, rps: 10 },
      windows: [],
      series: [],
      thresholds: [],
    };
    const grade = gradeScenario(record({ load }), healthy, { weights: { 'no-failed-requests': 2 }, required: ['no-failed-requests'] });
    expect(grade.checks[0]!.message).toBe('2 of 10 load requests failed');
    expect(grade.passed).toBe(false);
  });

  it('uses the weights of the scenario', () => {
    const grade = gradeScenario(record({ detection }), healthy, { weights: { detected: 5, recovered: 5 }, required: [] });
    expect(grade.score).toEqual({ earned: 5, possible: 10, percent: 50 });
    expect(grade.passed).toBe(true);
  });
});

describe('rotation checks', () => {
  const config = defaultGradeConfig({ fault: false, load: true, remediation: false, rotation: true });
  const outcomes: PhaseOutcomes = { faultInjected: false, cleanups: [] };
  const rotation = (verdict: string, zeroDowntime: boolean) => ({
    strategy: 'env-var-restart',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:09.000Z',
    propagation: [],
    zeroDowntime,
    verdict,
  });

  it('requires completion and no downtime', () => {
    expect(config.required).toEqual(expect.arrayContaining(['rotation-completed', 'zero-downtime']));
  });

  it('passes a measured failure window', () => {
    const verdict = 'downtime during the rotation: 351 of 376 requests failed (http-5xx 192, reset 159); failures from second 5 to 12 of the load, about 8s';
    const grade = gradeScenario(record({ rotation: rotation(verdict, false) }), outcomes, config);
    const completed = grade.checks.find((check) => check.id === 'rotation-completed')!;
    const zero = grade.checks.find((check) => check.id === 'zero-downtime')!;
    expect(completed.passed).toBe(true);
    expect(completed.message).toBe(`0 propagation steps recorded; the load measured: ${verdict}`);
    expect(zero.passed).toBe(false);
  });

  it('fails an unfinished rotation', () => {
    for (const verdict of [
      'rotation failed: timed out after 60s waiting for Secret basecamp/app-db to hold the new credential',
      'not judged: no request was sent during the rotation; make the load last longer',
    ]) {
      const grade = gradeScenario(record({ rotation: rotation(verdict, false) }), outcomes, config);
      const completed = grade.checks.find((check) => check.id === 'rotation-completed')!;
      expect(completed.passed).toBe(false);
      expect(completed.message).toBe(verdict);
      expect(grade.passed).toBe(false);
    }
  });
});

describe('scores', () => {
  it('sums weights of passed checks', () => {
    expect(scoreOf([{ weight: 3, passed: true }, { weight: 1, passed: false }])).toEqual({ earned: 3, possible: 4, percent: 75 });
  });

  it('gives 100 percent when nothing is weighed', () => {
    expect(scoreOf([]).percent).toBe(100);
  });

  it('adds scenario scores for the run', () => {
    const total = runScore([
      { earned: 3, possible: 4, percent: 75 },
      { earned: 0, possible: 2, percent: 0 },
    ]);
    expect(total).toEqual({ earned: 3, possible: 6, percent: 50 });
  });

  it('lists unknown check ids', () => {
    expect(unknownCheckIds({ weights: { detected: 1, 'fast-enough': 1 }, required: ['nope'] })).toEqual(['fast-enough', 'nope']);
  });

  it('requires detection only when there is a fault', () => {
    const config = defaultGradeConfig({ fault: false, load: true, remediation: false });
    expect(config.required).toEqual(['steady-state', 'no-failed-requests', 'reverted']);
    expect(config.weights.detected).toBeUndefined();
  });
});
