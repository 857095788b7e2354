/**
 * Grades a scenario: runs the checks the scenario weighs (or the default
 * set), marks the required ones, and computes the score.
 */
import type { CheckResult, DocLink, Score, ScenarioRecord } from '../run/record.ts';
import { CHECKS, type CheckId, isCheckId, type PhaseOutcomes } from './checks.ts';

export interface GradeConfig {
  weights: Record<string, number>;
  required: string[];
}

export interface GradeLinks {
  runbook?: DocLink;
  adr?: DocLink;
}

export interface Grade {
  checks: CheckResult[];
  score: Score;
  /** True when every required check passed. */
  passed: boolean;
}

/** Weights and required flags used when a scenario's `grade` lists no weights. */
export function defaultGradeConfig(options: {
  fault: boolean;
  load: boolean;
  remediation: boolean;
  rotation?: boolean;
  /** The scenario has a secret-unchanged probe, so nothing-lost can be measured. */
  guarded?: boolean;
}): GradeConfig {
  const weights: Record<string, number> = { 'steady-state': 1 };
  const required: string[] = ['steady-state'];
  if (options.fault) {
    Object.assign(weights, { detected: 3, recovered: 3 });
    required.push('detected', 'recovered');
  }
  if (options.fault && options.guarded) {
    weights['nothing-lost'] = 2;
    required.push('nothing-lost');
  }
  if (options.remediation) {
    weights.remediation = 2;
    required.push('remediation');
  }
  if (options.load) {
    weights['no-failed-requests'] = 2;
    required.push('no-failed-requests');
  }
  if (options.rotation) {
    Object.assign(weights, { 'rotation-completed': 2, 'zero-downtime': 3 });
    required.push('rotation-completed', 'zero-downtime');
  }
  weights.reverted = 1;
  required.push('reverted');
  return { weights, required };
}

/** Lists the check ids of a grade config that no check implements. */
export function unknownCheckIds(config: GradeConfig): string[] {
  return [...Object.keys(config.weights), ...config.required].filter((id) => !isCheckId(id));
}

export function gradeScenario(record: ScenarioRecord, outcomes: PhaseOutcomes, config: GradeConfig, links: GradeLinks = {}): Grade {
  const checks: CheckResult[] = [];
  for (const [id, weight] of Object.entries(config.weights)) {
    if (!isCheckId(id)) continue;
    const verdict = CHECKS[id as CheckId](record, outcomes);
    checks.push({
      id,
      title: verdict.title,
      phase: verdict.phase,
      weight,
      required: config.required.includes(id),
      passed: verdict.passed,
      message: verdict.message,
      ...(links.runbook ? { runbook: links.runbook } : {}),
      ...(links.adr ? { adr: links.adr } : {}),
    });
  }
  const passed = checks.every((check) => check.passed || !check.required);
  return { checks, score: scoreOf(checks), passed };
}

export function scoreOf(checks: Array<Pick<CheckResult, 'weight' | 'passed'>>): Score {
  const possible = checks.reduce((sum, check) => sum + check.weight, 0);
  const earned = checks.reduce((sum, check) => sum + (check.passed ? check.weight : 0), 0);
  return { earned, possible, percent: possible === 0 ? 100 : Math.round((earned / possible) * 1000) / 10 };
}

/** Sums the earned and possible points of the run's scenarios into the run's score. */
export function runScore(scores: Score[]): Score {
  const earned = scores.reduce((sum, score) => sum + score.earned, 0);
  const possible = scores.reduce((sum, score) => sum + score.possible, 0);
  return { earned, possible, percent: possible === 0 ? 100 : Math.round((earned / possible) * 1000) / 10 };
}
