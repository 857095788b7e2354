/**
 * Runs a scenario's remediation: the fix steps of its runbook section
 * (through lab/runbook), then its actions, in order, stopping at the first
 * failure. The outcome names the failed step, so a broken runbook or action
 * shows up as a finding that points at it.
 */
import { describeStep, loadSection, runSteps } from '../runbook/index.ts';
import type { ActionContext } from './action.ts';
import { actions } from './actions.ts';
import type { Phase } from './record.ts';
import type { ScenarioTimeline } from './timeline.ts';

export interface RemediationBlock {
  runbook?: string;
  actions?: Array<Record<string, unknown> & { action: string }>;
}

export interface RemediationOutcome {
  passed: boolean;
  message: string;
  failedStep?: string;
}

const PHASE: Phase = 'remediation';

export async function runRemediation(
  block: RemediationBlock,
  root: string,
  context: ActionContext,
  timeline: ScenarioTimeline,
): Promise<RemediationOutcome> {
  const done: string[] = [];
  if (block.runbook) {
    const outcome = await runRunbookFix(block.runbook, root, context, timeline).catch((error: unknown) => {
      context.signal.throwIfAborted();
      const reason = error instanceof Error ? error.message : String(error);
      return { passed: false, failedStep: block.runbook, message: `runbook ${block.runbook} failed: ${reason}` };
    });
    if (!outcome.passed) return outcome;
    done.push(outcome.message);
  }
  for (const [index, entry] of (block.actions ?? []).entries()) {
    const label = `remediation.actions[${index}] ${entry.action}`;
    try {
      const message = await timeline.step(PHASE, label, () => runAction(entry, context));
      done.push(message);
    } catch (error) {
      context.signal.throwIfAborted();
      const reason = error instanceof Error ? error.message : String(error);
      return { passed: false, failedStep: label, message: `${label} failed: ${reason}` };
    }
  }
  return { passed: true, message: done.join('; ') || 'no remediation steps' };
}

export async function runAction(entry: Record<string, unknown> & { action: string }, context: ActionContext): Promise<string> {
  const { action: name, ...params } = entry;
  const action = actions[name];
  if (!action) throw new Error(`unknown action ${name}`);
  return action.run(context, action.schema.parse(params));
}

async function runRunbookFix(
  link: string,
  root: string,
  context: ActionContext,
  timeline: ScenarioTimeline,
): Promise<RemediationOutcome> {
  const [path, anchor] = link.split('#') as [string, string | undefined];
  const section = await loadSection(root, anchor ? { path, anchor } : { path });
  const fixSteps = section.steps.filter((step) => step.kind === 'fix');
  if (fixSteps.length === 0) {
    return { passed: false, failedStep: link, message: `runbook section ${link} has no fix steps to run` };
  }
  const result = await timeline.step(PHASE, `runbook ${link} fix steps`, async () =>
    runSteps(section, 'fix', { env: context.env, cwd: root, redactor: context.redactor, signal: context.signal }),
  );
  for (const { step, outcome } of result.results) {
    timeline.mark(PHASE, describeStep(step), `${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`);
  }
  if (result.failed) {
    const name = describeStep(result.failed.step);
    const { outcome } = result.failed;
    const output = outcome.output.trim().split('\n').slice(-3).join(' | ');
    return {
      passed: false,
      failedStep: name,
      message: `runbook step ${name} failed: ${outcome.reason ?? `exit ${outcome.exitCode}`}${output ? ` (output: ${output})` : ''}`,
    };
  }
  return { passed: true, message: `ran ${result.results.length} fix steps of ${link}` };
}
