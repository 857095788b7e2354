/**
 * One scenario's section of `report.md`: what was injected, what was
 * observed, detection and recovery, checks (each failed one linked to its
 * runbook section and ADR), load, rotation and the step timeline.
 */
import type { CheckResult, DocLink, Observation, ScenarioRecord } from '../run/record.ts';
import type { ScenarioCharts } from './chart-plan.ts';
import { docLinkTarget, formatElapsed, formatOffset, formatScore, statusWord } from './format.ts';
import { renderLoadSection, renderRotationSection } from './markdown-load.ts';
import { codeSpan, escapeText, quote, type Slugger, table } from './markdown-text.ts';

/** Distinct failing observations listed per scenario; the rest are counted. */
const MAX_SYMPTOM_ROWS = 12;

export interface ScenarioSectionContext {
  slugger: Slugger;
  rootPrefix: string;
  charts: ScenarioCharts;
}

export interface ScenarioSection {
  anchor: string;
  markdown: string;
}

export function renderScenarioSection(
  scenario: ScenarioRecord,
  context: ScenarioSectionContext,
): ScenarioSection {
  const heading = `Scenario: ${scenario.title}`;
  const anchor = context.slugger.slug(heading);
  const subheading = (text: string): string => {
    context.slugger.slug(text);
    return `### ${text}`;
  };

  const parts = [`## ${escapeText(heading)}`, renderHeader(scenario, context.rootPrefix)];
  if (scenario.error) {
    const lead =
      scenario.status === 'skipped'
        ? 'The scenario was skipped:'
        : 'The scenario stopped with an error:';
    parts.push(`${lead}\n\n${quote(scenario.error)}`);
  }
  if (scenario.fault) parts.push(subheading('Injected'), renderFault(scenario));
  parts.push(subheading('Observed'), renderObserved(scenario));
  parts.push(subheading('Checks'), renderChecks(scenario.checks));
  const failed = scenario.checks.filter((check) => !check.passed);
  if (failed.length > 0) {
    parts.push(
      subheading('Failed checks'),
      renderFailedChecks(failed, scenario, context.rootPrefix),
    );
  }
  if (scenario.load) {
    parts.push(subheading('Load'), renderLoadSection(scenario, context.charts));
  }
  if (scenario.rotation) {
    parts.push(subheading('Rotation'), renderRotationSection(scenario.rotation, context.charts));
  }
  const timeline = renderTimeline(scenario);
  if (timeline) parts.push(subheading('Timeline'), timeline);
  return { anchor, markdown: parts.join('\n\n') };
}

function renderHeader(scenario: ScenarioRecord, rootPrefix: string): string {
  const lines = [
    `${codeSpan(scenario.name)} from ${codeSpan(scenario.file)}, seed ${scenario.seed}: ` +
      `**${statusWord(scenario.status)}**, score ${formatScore(scenario.score)}, ` +
      `took ${formatElapsed(scenario.durationMs)}.`,
  ];
  const links: string[] = [];
  if (scenario.runbook) links.push(`Runbook: ${docLink(scenario.runbook, rootPrefix)}.`);
  if (scenario.adrs.length > 0) {
    links.push(`ADR: ${scenario.adrs.map((adr) => docLink(adr, rootPrefix)).join(', ')}.`);
  }
  if (links.length > 0) lines.push('', links.join(' '));
  return lines.join('\n');
}

function renderFault(scenario: ScenarioRecord): string {
  const fault = scenario.fault!;
  const variant = fault.variant ? ` (variant ${codeSpan(fault.variant)})` : '';
  const moments = [
    fault.injectedAt ? `injected at ${fault.injectedAt}` : 'never injected',
    fault.revertedAt ? `reverted at ${fault.revertedAt}` : 'not reverted',
  ];
  const parts = [
    `Fault ${codeSpan(fault.type)}${variant} with seed ${scenario.seed}: ${moments.join(', ')}.`,
  ];
  const targets = Object.entries(fault.targets);
  if (targets.length > 0) {
    parts.push(
      table(
        ['target', 'object'],
        targets.map(([key, value]) => [codeSpan(key), codeSpan(value)]),
      ),
    );
  }
  const params = Object.entries(fault.params);
  if (params.length > 0) {
    parts.push(
      table(
        ['parameter', 'value'],
        params.map(([key, value]) => [
          codeSpan(key),
          codeSpan(JSON.stringify(value) ?? 'undefined'),
        ]),
      ),
    );
  }
  return parts.join('\n\n');
}

function renderObserved(scenario: ScenarioRecord): string {
  const parts: string[] = [];
  const { detection, recovery } = scenario;
  if (detection) {
    parts.push(
      `Detected ${formatElapsed(detection.afterMs)} after the fault was injected, ` +
        `by probe ${codeSpan(detection.probe)} at ${detection.at}:\n\n${quote(detection.message)}`,
    );
  } else if (scenario.fault) {
    parts.push('The expected symptom was not detected.');
  }
  if (recovery) {
    parts.push(
      `Recovered ${formatElapsed(recovery.afterMs)} after remediation began (${recovery.at}).`,
    );
  } else if (scenario.fault) {
    parts.push('Recovery was not observed.');
  }
  parts.push(renderSymptoms(scenario.observations));
  return parts.join('\n\n');
}

/** Failing observations, grouped by probe and message, in order of first appearance. */
function renderSymptoms(observations: Observation[]): string {
  const failing = observations.filter((observation) => !observation.ok);
  const summary = `${observations.length} observations, ${failing.length} failing.`;
  if (failing.length === 0) return summary;

  const groups = new Map<string, { first: Observation; last: Observation; count: number }>();
  for (const observation of failing) {
    const key = `${observation.probe}\u0000${observation.message}`;
    const group = groups.get(key);
    if (group) {
      group.count += 1;
      group.last = observation;
    } else {
      groups.set(key, { first: observation, last: observation, count: 1 });
    }
  }
  const listedGroups = [...groups.values()].slice(0, MAX_SYMPTOM_ROWS);
  const rows = listedGroups.map(({ first, last, count }) => [
    formatOffset(first.offsetMs),
    first.phase,
    codeSpan(first.probe),
    String(count),
    count > 1 ? formatOffset(last.offsetMs) : '',
    codeSpan(first.message),
  ]);
  const parts = [
    summary,
    table(['first seen', 'phase', 'probe', 'times', 'last seen', 'message'], rows),
  ];
  if (groups.size > listedGroups.length) {
    parts.push(
      `${groups.size - listedGroups.length} more distinct failing observations are in run.json.`,
    );
  }
  return parts.join('\n\n');
}

function renderChecks(checks: CheckResult[]): string {
  if (checks.length === 0) return 'No check was graded.';
  const rows = checks.map((check) => [
    check.passed ? 'passed' : 'failed',
    `${escapeText(check.title)} (${codeSpan(check.id)})`,
    check.phase,
    String(check.weight),
    check.required ? 'yes' : 'no',
    codeSpan(check.message),
  ]);
  return table(['result', 'check', 'phase', 'weight', 'required', 'message'], rows);
}

function renderFailedChecks(
  failed: CheckResult[],
  scenario: ScenarioRecord,
  rootPrefix: string,
): string {
  const items = failed.map((check) => {
    const runbook = check.runbook ?? scenario.runbook;
    const adr = check.adr ?? scenario.adrs[0];
    const kind = check.required ? 'required' : 'not required, counts toward the score only';
    return [
      `- **${escapeText(check.title)}** (${codeSpan(check.id)}, ${kind}): ${codeSpan(check.message)}`,
      `  - Runbook: ${runbook ? docLink(runbook, rootPrefix) : 'none linked'}`,
      `  - ADR: ${adr ? docLink(adr, rootPrefix) : 'none linked'}`,
    ].join('\n');
  });
  return items.join('\n');
}

/** Renders step ends and marks. Step starts repeat the ends, and observations have their own table. */
function renderTimeline(scenario: ScenarioRecord): string | undefined {
  const entries = scenario.timeline
    .filter((entry) => entry.kind === 'step.end' || entry.kind === 'mark')
    .sort((a, b) => a.offsetMs - b.offsetMs);
  if (entries.length === 0) return undefined;
  const rows = entries.map((entry) => [
    formatOffset(entry.offsetMs),
    entry.phase,
    entry.kind === 'mark' ? 'mark' : 'step',
    escapeText(entry.name),
    entry.status ?? '',
    entry.message ? codeSpan(entry.message) : '',
  ]);
  return table(['offset', 'phase', 'kind', 'name', 'status', 'message'], rows);
}

/** Renders a markdown link to a runbook or ADR, with its path from the project root as the text. */
export function docLink(link: DocLink, rootPrefix: string): string {
  const target = docLinkTarget(link);
  return `[${escapeText(target)}](${encodeURI(`${rootPrefix}${link.path}`)}${link.anchor ? `#${encodeURIComponent(link.anchor)}` : ''})`;
}
