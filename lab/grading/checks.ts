/**
 * The checks a scenario is graded on. Each reads only the scenario's record
 * (observations, detection, recovery, load) and the outcome of its phases,
 * and states why it passed or failed, quoting what was seen.
 */
import { formatDuration } from '../core/duration.ts';
import { formatCount } from '../core/plural.ts';
import { NOT_JUDGED, ROTATION_FAILED } from '../rotation/verdict.ts';
import type { CheckResult, Observation, Phase, ScenarioRecord } from '../run/record.ts';

export type CheckId =
  | 'steady-state'
  | 'detected'
  | 'recovered'
  | 'remediation'
  | 'nothing-lost'
  | 'no-failed-requests'
  | 'reverted'
  | 'zero-downtime'
  | 'rotation-completed'
  | 'runbook-diagnosis'
  | 'runbook-verification';

export const CHECK_IDS: readonly CheckId[] = [
  'steady-state',
  'detected',
  'recovered',
  'remediation',
  'nothing-lost',
  'no-failed-requests',
  'reverted',
  'zero-downtime',
  'rotation-completed',
  'runbook-diagnosis',
  'runbook-verification',
];

/** The outcome of each phase as the runner recorded it, beyond the observations. */
export interface PhaseOutcomes {
  steadyState?: { passed: boolean; message: string };
  /** Whether a fault was injected; detection and recovery checks need one. */
  faultInjected: boolean;
  /** Limits from the scenario, for the messages. */
  symptomsWithin?: string;
  recoveryWithin?: string;
  remediation?: { passed: boolean; message: string; failedStep?: string };
  /** The runbook's diagnose and verify steps, when `lab verify-runbooks` runs the scenario. */
  runbookDiagnosis?: { passed: boolean; message: string; failedStep?: string };
  runbookVerification?: { passed: boolean; message: string; failedStep?: string };
  cleanups: Array<{ name: string; ok: boolean; error?: string }>;
  /** Reason the scenario stopped early, such as `interrupted by SIGINT`. Unfinished phases then read as not measured. */
  interrupted?: string;
}

export interface CheckVerdict {
  passed: boolean;
  message: string;
  phase: Phase;
  title: string;
}

/** Probes whose observations show that nothing was lost while the fault lasted. */
const GUARD_PROBES = new Set(['secret-unchanged']);
const DURING_FAULT: readonly Phase[] = ['fault', 'symptoms', 'remediation'];

export const CHECKS: Record<CheckId, (record: ScenarioRecord, outcomes: PhaseOutcomes) => CheckVerdict> = {
  'steady-state': (_record, outcomes) => ({
    title: 'steady state held before the fault',
    phase: 'steady-state',
    passed: outcomes.steadyState?.passed ?? true,
    message: outcomes.steadyState?.message ?? 'the scenario has no steady-state probes',
  }),

  detected: (record, outcomes) => {
    const title = 'the expected symptom appeared';
    if (!outcomes.faultInjected) return { title, phase: 'symptoms', passed: false, message: 'no fault was injected' };
    if (record.detection) {
      const after = formatDuration(record.detection.afterMs);
      return { title, phase: 'symptoms', passed: true, message: `detected after ${after} by ${record.detection.probe}: "${record.detection.message}"` };
    }
    if (outcomes.interrupted) return { title, phase: 'symptoms', passed: false, message: `not measured: ${outcomes.interrupted} before the symptoms appeared` };
    const last = lastFailure(record.observations, 'symptoms');
    const seen = last ? `; last seen: "${last.message}"` : '';
    return { title, phase: 'symptoms', passed: false, message: `symptoms did not all appear within ${outcomes.symptomsWithin ?? 'the limit'}${seen}` };
  },

  recovered: (record, outcomes) => {
    const title = 'the system recovered within the limit';
    if (record.recovery) {
      const after = formatDuration(record.recovery.afterMs);
      return { title, phase: 'recovery', passed: true, message: `every recovery probe passed ${after} after remediation began` };
    }
    if (outcomes.interrupted) return { title, phase: 'recovery', passed: false, message: `not measured: ${outcomes.interrupted} before recovery` };
    const last = lastFailure(record.observations, 'recovery');
    const seen = last ? `; still failing: "${last.message}"` : '';
    return { title, phase: 'recovery', passed: false, message: `not recovered within ${outcomes.recoveryWithin ?? 'the limit'}${seen}` };
  },

  remediation: (_record, outcomes) => ({
    title: 'every remediation step ran and passed',
    phase: 'remediation',
    passed: outcomes.remediation?.passed ?? false,
    message: outcomes.remediation?.message ?? 'remediation did not run',
  }),

  'nothing-lost': (record) => {
    const title = 'the managed Secret kept its last good value while syncing failed';
    const guards = record.observations.filter((observation) => GUARD_PROBES.has(observation.probe) && DURING_FAULT.includes(observation.phase));
    if (guards.length === 0) {
      return { title, phase: 'symptoms', passed: false, message: 'not measured: add a secret-unchanged probe to steadyState and symptoms' };
    }
    const lost = guards.find((observation) => !observation.ok);
    if (lost) return { title, phase: lost.phase, passed: false, message: lost.message };
    return { title, phase: 'symptoms', passed: true, message: `${guards.length} observations during the fault: ${guards.at(-1)!.message}` };
  },

  'no-failed-requests': (record) => {
    const title = 'no request failed';
    if (record.load) {
      const { requests, failed } = record.load.overall;
      return { title, phase: 'rotation', passed: failed === 0, message: `${failed} of ${requests} load requests failed` };
    }
    const requests = record.observations.filter((observation) => observation.probe === 'http' && observation.phase !== 'steady-state');
    const failed = requests.filter((observation) => !observation.ok);
    const first = failed[0] ? `; first: "${failed[0].message}"` : '';
    return { title, phase: 'symptoms', passed: failed.length === 0, message: `${failed.length} of ${requests.length} HTTP probe requests failed${first}` };
  },

  'zero-downtime': (record) => {
    const title = 'the rotation caused no downtime';
    if (!record.rotation) return { title, phase: 'rotation', passed: false, message: 'no rotation ran' };
    return { title, phase: 'rotation', passed: record.rotation.zeroDowntime, message: record.rotation.verdict };
  },

  'rotation-completed': (record) => {
    const title = 'the rotation ran every step and its cost was measured';
    const rotation = record.rotation;
    if (!rotation) return { title, phase: 'rotation', passed: false, message: 'no rotation ran' };
    const failed = rotation.verdict.startsWith(ROTATION_FAILED) || rotation.verdict.startsWith(NOT_JUDGED);
    if (failed) return { title, phase: 'rotation', passed: false, message: rotation.verdict };
    const steps = formatCount(rotation.propagation.length, 'propagation step');
    return { title, phase: 'rotation', passed: true, message: `${steps} recorded; the load measured: ${rotation.verdict}` };
  },

  'runbook-diagnosis': (_record, outcomes) => ({
    title: "the runbook's diagnosis steps match what the fault causes",
    phase: 'symptoms',
    passed: outcomes.runbookDiagnosis?.passed ?? false,
    message: outcomes.runbookDiagnosis?.message ?? 'the diagnosis steps did not run',
  }),

  'runbook-verification': (_record, outcomes) => ({
    title: "the runbook's verification steps pass after the fix",
    phase: 'recovery',
    passed: outcomes.runbookVerification?.passed ?? false,
    message: outcomes.runbookVerification?.message ?? 'the verification steps did not run',
  }),

  reverted: (_record, outcomes) => {
    const failed = outcomes.cleanups.filter((cleanup) => !cleanup.ok);
    const message = failed.length
      ? `cleanup failed: ${failed.map((cleanup) => `${cleanup.name} (${cleanup.error ?? 'error'})`).join('; ')}`
      : `${formatCount(outcomes.cleanups.length, 'cleanup step')} ran`;
    return { title: 'teardown reverted every change', phase: 'teardown', passed: failed.length === 0, message };
  },
};

function lastFailure(observations: Observation[], phase: Phase): Observation | undefined {
  return observations.filter((observation) => observation.phase === phase && !observation.ok).at(-1);
}

export function isCheckId(id: string): id is CheckId {
  return (CHECK_IDS as readonly string[]).includes(id);
}

export type { CheckResult };
