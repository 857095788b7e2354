/**
 * Runs one kind of runbook step (diagnose or verify) inside a scenario, for
 * `lab verify-runbooks`: each step becomes a timeline mark whose message
 * carries the step's status and the tail of its output, so the report and
 * the JUnit file show what the command printed.
 */
import type { Redactor } from '../core/redact.ts';
import { describeStep, runSteps, type RunbookSection, type StepResult } from '../runbook/index.ts';
import type { Phase } from './record.ts';
import type { ScenarioTimeline } from './timeline.ts';

/** The section a scenario is verified against, given to the runner by `lab verify-runbooks`. */
export interface RunbookUnderTest {
  /** `runbooks/<file>.md#<anchor>`. */
  link: string;
  section: RunbookSection;
}

export interface RunbookStageOutcome {
  passed: boolean;
  message: string;
  failedStep?: string;
}

export interface RunbookStageContext {
  root: string;
  env: Record<string, string>;
  redactor: Redactor;
  signal: AbortSignal;
}

/** Output lines kept per step in the timeline. */
const OUTPUT_TAIL_LINES = 12;

export async function runRunbookStage(
  runbook: RunbookUnderTest,
  kind: 'diagnose' | 'fix' | 'verify',
  phase: Phase,
  context: RunbookStageContext,
  timeline: ScenarioTimeline,
): Promise<RunbookStageOutcome> {
  const steps = runbook.section.steps.filter((step) => step.kind === kind);
  if (steps.length === 0) return { passed: true, message: `the section has no ${kind} steps` };

  const result = await timeline.step(phase, `runbook ${runbook.link} ${kind} steps`, () =>
    runSteps(runbook.section, kind, {
      env: context.env,
      cwd: context.root,
      redactor: context.redactor,
      signal: context.signal,
      onStep: (stepResult) => timeline.mark(phase, describeStep(stepResult.step), describeOutcome(stepResult)),
    }),
  );
  if (result.failed) {
    const { step, outcome } = result.failed;
    return {
      passed: false,
      failedStep: describeStep(step),
      message: `${describeStep(step)} failed: ${outcome.reason ?? 'failed'}`,
    };
  }
  const ran = result.results.filter(({ outcome }) => outcome.status === 'passed').length;
  const skipped = result.results.length - ran;
  return { passed: true, message: `${ran} ${kind} steps passed${skipped ? `, ${skipped} skipped` : ''}` };
}

/** `passed`, `failed: <reason>` or `skipped: <reason>`, then the last lines of output. */
export function describeOutcome({ outcome }: StepResult): string {
  const head = outcome.reason ? `${outcome.status}: ${outcome.reason}` : outcome.status;
  const tail = outcome.output.trimEnd().split('\n').slice(-OUTPUT_TAIL_LINES).join('\n');
  return tail ? `${head}\n${tail}` : head;
}
