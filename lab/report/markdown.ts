/**
 * `report.md`: verdict and score, a table of scenarios, one section per
 * scenario (`markdown-scenario.ts`), and the environment. Runbook and ADR
 * links are relative to the run folder, so they work on GitHub, in an editor
 * and from `report.html`.
 */
import type { CheckResult, RunRecord, ScenarioRecord } from '../run/record.ts';
import type { ScenarioCharts } from './chart-plan.ts';
import { formatBytes, formatElapsed, formatScore, formatScoreShort, statusWord } from './format.ts';
import type { BrokenLink } from './links.ts';
import { docLink, renderScenarioSection } from './markdown-scenario.ts';
import { codeSpan, escapeText, Slugger, table } from './markdown-text.ts';

const FAILED_REQUIRED_HEADING = 'Failed required checks';

export interface MarkdownOptions {
  /** Path from the run folder to the project root, ending in `/`: `../../` for `reports/<run-id>/`. */
  rootPrefix: string;
  /** Chart files per scenario, in the order of `record.scenarios`. */
  charts: ScenarioCharts[];
  /** Links a first pass found broken; listed at the end so the reader sees why the run failed. */
  brokenLinks?: BrokenLink[];
}

/** Renders the whole report from a (redacted) run record. */
export function renderMarkdown(record: RunRecord, options: MarkdownOptions): string {
  const slugger = new Slugger();
  const title = `basecamp-lab run ${record.runId}`;
  slugger.slug(title);
  slugger.slug('Scenarios');
  const failedRequired = record.scenarios.flatMap((scenario, index) =>
    scenario.checks
      .filter((check) => check.required && !check.passed)
      .map((check) => ({ scenario, index, check })),
  );
  if (failedRequired.length > 0) slugger.slug(FAILED_REQUIRED_HEADING);

  const sections = record.scenarios.map((scenario, index) =>
    renderScenarioSection(scenario, {
      slugger,
      rootPrefix: options.rootPrefix,
      charts: options.charts[index] ?? {},
    }),
  );
  const parts = [
    `# ${escapeText(title)}`,
    renderVerdict(record),
    '## Scenarios',
    renderScenarioTable(
      record.scenarios,
      sections.map((section) => section.anchor),
    ),
  ];
  if (failedRequired.length > 0) {
    const anchors = sections.map((section) => section.anchor);
    parts.push(
      `## ${FAILED_REQUIRED_HEADING}`,
      renderFailedRequired(failedRequired, anchors, options.rootPrefix),
    );
  }
  parts.push(...sections.map((section) => section.markdown), renderEnvironment(record));
  if (options.brokenLinks && options.brokenLinks.length > 0) {
    parts.push(renderBrokenLinks(options.brokenLinks));
  }
  return `${parts.join('\n\n')}\n`;
}

/**
 * Lists every failed required check of the run in one table, so a reader of
 * a long run finds what failed and where to read next without scrolling.
 */
function renderFailedRequired(
  failed: Array<{ scenario: ScenarioRecord; index: number; check: CheckResult }>,
  anchors: string[],
  rootPrefix: string,
): string {
  const rows = failed.map(({ scenario, index, check }) => {
    const runbook = check.runbook ?? scenario.runbook;
    return [
      `[${escapeText(scenario.title)}](#${anchors[index]})`,
      `${escapeText(check.title)} (${codeSpan(check.id)})`,
      runbook ? docLink(runbook, rootPrefix) : 'none linked',
    ];
  });
  return table(['scenario', 'check', 'runbook'], rows);
}

function renderVerdict(record: RunRecord): string {
  const counts = new Map<string, number>();
  for (const scenario of record.scenarios) {
    const word = statusWord(scenario.status);
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const tally = [...counts].map(([word, count]) => `${count} ${word}`).join(', ');
  const scenarioWord = record.scenarios.length === 1 ? 'scenario' : 'scenarios';
  const lines = [
    `**Verdict: ${statusWord(record.status)}.** ${record.scenarios.length} ${scenarioWord}` +
      (tally ? `: ${tally}.` : '.') +
      ` Score ${formatScore(record.score)}.`,
    '',
    `Started ${record.startedAt}, took ${formatElapsed(record.durationMs)}, on the ` +
      `${codeSpan(record.basecamp.kind)} basecamp. Command: ${codeSpan(displayCommand(record.argv))}.`,
  ];
  return lines.join('\n');
}

/** Shows the command as typed, with the entry script's path (`/work/x/bin/lab.js`) shortened to `lab`. */
function displayCommand(argv: string[]): string {
  if (argv.length === 0) return 'lab run';
  const [program, ...rest] = argv;
  const isLab = /(^|[\\/])lab(\.js)?$/.test(program!);
  return [isLab ? 'lab' : program, ...rest].join(' ');
}

function renderScenarioTable(scenarios: ScenarioRecord[], anchors: string[]): string {
  if (scenarios.length === 0) return 'No scenario ran.';
  const rows = scenarios.map((scenario, index) => {
    const failed = scenario.checks.filter((check) => !check.passed);
    const failedRequired = failed.filter((check) => check.required).length;
    return [
      `[${escapeText(scenario.title)}](#${anchors[index]})`,
      statusWord(scenario.status),
      formatScoreShort(scenario.score),
      formatElapsed(scenario.detection?.afterMs),
      formatElapsed(scenario.recovery?.afterMs),
      failed.length === 0 ? '0' : `${failed.length} (${failedRequired} required)`,
    ];
  });
  return table(
    ['scenario', 'status', 'score', 'detected after', 'recovered after', 'failed checks'],
    rows,
  );
}

function renderEnvironment(record: RunRecord): string {
  const { environment, basecamp } = record;
  const rows = [
    ['basecamp', codeSpan(basecamp.kind)],
    ['node', codeSpan(environment.node)],
    ['platform', codeSpan(environment.platform)],
    ['CPUs', String(environment.cpus)],
    ['memory', formatBytes(environment.memoryBytes)],
    ...Object.entries(environment.tools)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tool, version]) => [
        codeSpan(tool),
        version === null ? 'not found' : codeSpan(version),
      ]),
  ];
  const parts = ['## Environment', table(['item', 'value'], rows)];
  const endpoints = Object.entries(basecamp.endpoints).sort(([a], [b]) => a.localeCompare(b));
  if (endpoints.length > 0) {
    parts.push(
      table(
        ['endpoint', 'address'],
        endpoints.map(([name, address]) => [codeSpan(name), codeSpan(address)]),
      ),
    );
  }
  return parts.join('\n\n');
}

function renderBrokenLinks(brokenLinks: BrokenLink[]): string {
  const rows = brokenLinks.map((link) => [codeSpan(link.href), escapeText(link.reason)]);
  return [
    '## Broken links',
    'These runbook or ADR links do not resolve to a file and heading, so the run counts as failed.',
    table(['link', 'problem'], rows),
  ].join('\n\n');
}
