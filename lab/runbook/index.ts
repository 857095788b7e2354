/**
 * The runbook API the runner and `lab verify-runbooks` use: find a section by
 * its `path#anchor` link and run its steps of one kind in order, stopping at
 * the first failure.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../core/errors.ts';
import { type ExecuteOptions, executeStep, type StepOutcome } from './execute.ts';
import { parseRunbook } from './parse.ts';
import type { RunbookSection, RunbookStep, StepKind } from './types.ts';

export type { ExecuteOptions, StepOutcome } from './execute.ts';
export { executeStep } from './execute.ts';
export { parseRunbook } from './parse.ts';
export type { Runbook, RunbookSection, RunbookStep, StepKind } from './types.ts';

export interface StepResult {
  step: RunbookStep;
  outcome: StepOutcome;
}

export interface StepsResult {
  /** True when every step ran and passed (skipped steps do not fail). */
  passed: boolean;
  results: StepResult[];
  /** The first failed step, when there is one. */
  failed?: StepResult;
}

/** Loads the section a `path#anchor` link (root-relative path) points at. */
export async function loadSection(root: string, link: { path: string; anchor?: string }): Promise<RunbookSection> {
  const text = await readFile(path.join(root, link.path), 'utf8').catch(() => {
    throw new InvalidInputError(`runbook "${link.path}" does not exist`, {
      hint: 'runbooks live under runbooks/; check the scenario\'s runbook link',
    });
  });
  const runbook = parseRunbook(text, link.path);
  const section = link.anchor
    ? runbook.sections.find((candidate) => candidate.anchor === link.anchor)
    : runbook.sections[0];
  if (!section) {
    const anchors = runbook.sections.map((candidate) => candidate.anchor).join(', ');
    throw new InvalidInputError(`runbook "${link.path}" has no section "#${link.anchor ?? ''}"`, {
      hint: `sections there: ${anchors || 'none'}`,
    });
  }
  return section;
}

/** Runs the section's steps of one kind in file order; stops at the first failure. */
export async function runSteps(
  section: RunbookSection,
  kind: StepKind,
  options: ExecuteOptions & { onStep?: (result: StepResult) => void },
): Promise<StepsResult> {
  const results: StepResult[] = [];
  for (const step of section.steps.filter((candidate) => candidate.kind === kind)) {
    const result = { step, outcome: await executeStep(step, options) };
    results.push(result);
    options.onStep?.(result);
    if (result.outcome.status === 'failed') return { passed: false, results, failed: result };
    if (options.signal?.aborted) return { passed: false, results };
  }
  return { passed: true, results };
}

/** Names a step for people: `runbooks/x.md:42 (fix)`. */
export function describeStep(step: RunbookStep): string {
  return `${step.file}:${step.line} (${step.kind})`;
}
