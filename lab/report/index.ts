/**
 * Renders a run folder's reports from its `run.json` alone: `report.md`,
 * `report.html`, `junit.xml` and the SVG charts. Then it checks the report's
 * links and scans the folder for leaked secrets. The runner calls this at the
 * end of `lab run`, and `lab report` calls it again on an old run.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckFailedError } from '../core/errors.ts';
import type { Redactor } from '../core/redact.ts';
import type { RunRecord, RunStatus } from '../run/record.ts';
import { planCharts, type ScenarioCharts } from './chart-plan.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { describeLeak, findLeaksInFolder, type Leak } from './leaks.ts';
import { type BrokenLink, checkReportLinks } from './links.ts';
import { loadMarkers, renderErrorChart, renderLatencyChart } from './load-chart.ts';
import { renderMarkdown } from './markdown.ts';
import { renderPropagationChart } from './propagation-chart.ts';
import { readRunRecord } from './run-folder.ts';

export type { Leak } from './leaks.ts';
export { describeLeak, findLeaksInFolder } from './leaks.ts';
export type { BrokenLink } from './links.ts';
export { checkReportLinks } from './links.ts';
export { readRunRecord, resolveRunDir } from './run-folder.ts';

export interface ReportOptions {
  /** Project root containing `runbooks/` and `adrs/`. Links may not leave it. */
  root: string;
  /**
   * The run's redactor. Every rendered text passes through it, and the leak
   * check searches for its secrets. Without one, as in a re-render from
   * run.json alone, the leak check is skipped.
   */
  redactor?: Redactor;
}

export type LeakCheckStatus = 'passed' | 'failed' | 'skipped';

export interface ReportResult {
  runDir: string;
  /** The run's status as recorded; the report does not change it. */
  status: RunStatus;
  /** Files written, relative to the run folder. */
  files: string[];
  brokenLinks: BrokenLink[];
  leakCheck: LeakCheckStatus;
  leaks: Leak[];
  /** Why the report fails the run, one sentence each: broken links and leaks. Empty when clean. */
  problems: string[];
}

export const REPORT_FILES = {
  markdown: 'report.md',
  html: 'report.html',
  junit: 'junit.xml',
} as const;

export async function renderRunReport(
  runDir: string,
  options: ReportOptions,
): Promise<ReportResult> {
  const { redactor } = options;
  const stored = await readRunRecord(runDir);
  const record = redactor ? redactor.redactValue(stored) : stored;
  const mask = (text: string) => (redactor ? redactor.redact(text) : text);

  const plan = planCharts(record);
  const charts = renderCharts(record, plan);
  const rootPrefix = toPosix(path.relative(path.resolve(runDir), path.resolve(options.root)));
  const markdownOptions = { rootPrefix: rootPrefix === '' ? '' : `${rootPrefix}/`, charts: plan };

  let markdown = renderMarkdown(record, markdownOptions);
  const brokenLinks = await checkReportLinks(markdown, { root: options.root, baseDir: runDir });
  if (brokenLinks.length > 0)
    markdown = renderMarkdown(record, { ...markdownOptions, brokenLinks });

  const outputs = new Map<string, string>([
    [REPORT_FILES.markdown, markdown],
    [
      REPORT_FILES.html,
      renderHtml(markdown, { title: `basecamp-lab run ${record.runId}`, charts }),
    ],
    [REPORT_FILES.junit, renderJunit(record, { brokenLinks })],
    ...charts,
  ]);
  for (const [file, content] of outputs)
    await writeFile(path.join(runDir, file), mask(content), 'utf8');

  const leakCheck = await checkLeaks(runDir, redactor);
  const problems = [
    ...brokenLinks.map((link) => `broken link ${link.href}: ${link.reason}`),
    ...leakCheck.leaks.map(describeLeak),
  ];
  return {
    runDir,
    status: record.status,
    files: [...outputs.keys()],
    brokenLinks,
    leakCheck: leakCheck.status,
    leaks: leakCheck.leaks,
    problems,
  };
}

/** Throws a CheckFailedError (exit 1) listing the report's problems, if it has any. */
export function assertReportClean(result: ReportResult): void {
  if (result.problems.length === 0) return;
  throw new CheckFailedError(
    `the report of ${result.runDir} failed its checks:\n  ${result.problems.join('\n  ')}`,
    {
      hint: 'fix the runbook or ADR heading a link points to; for a leak, find where the value was written unredacted',
    },
  );
}

function renderCharts(record: RunRecord, plan: ScenarioCharts[]): Map<string, string> {
  const charts = new Map<string, string>();
  record.scenarios.forEach((scenario, index) => {
    const files = plan[index] ?? {};
    if (scenario.load && files.latency && files.errors) {
      const markers = loadMarkers(scenario);
      charts.set(
        files.latency,
        renderLatencyChart(scenario.load, markers, `Latency per second: ${scenario.name}`),
      );
      charts.set(
        files.errors,
        renderErrorChart(scenario.load, markers, `Failed requests per second: ${scenario.name}`),
      );
    }
    if (scenario.rotation && files.propagation) {
      charts.set(
        files.propagation,
        renderPropagationChart(scenario.rotation, `Rotation propagation: ${scenario.name}`),
      );
    }
  });
  return charts;
}

async function checkLeaks(
  runDir: string,
  redactor: Redactor | undefined,
): Promise<{ status: LeakCheckStatus; leaks: Leak[] }> {
  if (!redactor || redactor.secrets().length === 0) return { status: 'skipped', leaks: [] };
  const leaks = await findLeaksInFolder(runDir, redactor);
  return { status: leaks.length === 0 ? 'passed' : 'failed', leaks };
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}
