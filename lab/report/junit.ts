/**
 * `junit.xml`: one test suite per scenario and one test case per check, in
 * the JUnit XML dialect that Jenkins, GitLab and GitHub test reporters read
 * (the `testsuites`/`testsuite`/`testcase` elements of Ant's JUnit task).
 * A failed required check is a `<failure>` whose message ends with its
 * runbook link. A failed check that is not required counts toward the score
 * only, so it passes here with a note in `<system-out>`.
 */
import type { CheckResult, RunRecord, ScenarioRecord } from '../run/record.ts';
import { docLinkTarget, formatScore, statusWord } from './format.ts';
import type { BrokenLink } from './links.ts';

interface CaseCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export interface JunitOptions {
  /** Result of the report's link check, reported as one more test case. */
  brokenLinks: BrokenLink[];
}

export function renderJunit(record: RunRecord, options: JunitOptions): string {
  const suites = record.scenarios.map(renderSuite);
  const linkSuite = renderLinkSuite(options.brokenLinks, record.endedAt ?? record.startedAt);
  const totals = [...suites, linkSuite].reduce<CaseCounts>(
    (sum, suite) => ({
      tests: sum.tests + suite.counts.tests,
      failures: sum.failures + suite.counts.failures,
      errors: sum.errors + suite.counts.errors,
      skipped: sum.skipped + suite.counts.skipped,
    }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  const attributes = attrs({
    name: `basecamp-lab run ${record.runId}`,
    ...totals,
    time: seconds(record.durationMs),
    timestamp: record.startedAt,
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes}>`,
    ...suites.map((suite) => suite.xml),
    linkSuite.xml,
    '</testsuites>',
    '',
  ].join('\n');
}

function renderSuite(scenario: ScenarioRecord): { xml: string; counts: CaseCounts } {
  const cases: string[] = [];
  const counts: CaseCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const classname = `basecamp-lab.${scenario.name}`;

  if (scenario.status === 'skipped') {
    const reason = scenario.error ?? 'scenario skipped';
    cases.push(testCase(classname, 'scenario', `<skipped${attrs({ message: reason })}/>`));
    counts.tests += 1;
    counts.skipped += 1;
  } else if (scenario.error || (scenario.checks.length === 0 && scenario.status !== 'passed')) {
    const message =
      scenario.error ?? `scenario ${statusWord(scenario.status)} before any check was graded`;
    cases.push(
      testCase(
        classname,
        'scenario',
        `<error${attrs({ message, type: scenario.status })}>${escapeXml(message)}</error>`,
      ),
    );
    counts.tests += 1;
    counts.errors += 1;
  }

  for (const check of scenario.checks) {
    cases.push(renderCheck(classname, check, scenario));
    counts.tests += 1;
    if (!check.passed && check.required) counts.failures += 1;
  }

  const properties = [
    ['file', scenario.file],
    ['seed', String(scenario.seed)],
    ['status', scenario.status],
    ['score', formatScore(scenario.score)],
    ...(scenario.fault ? [['fault', scenario.fault.type]] : []),
    ...(scenario.runbook ? [['runbook', docLinkTarget(scenario.runbook)]] : []),
    ...scenario.adrs.map((adr) => ['adr', docLinkTarget(adr)]),
  ];
  const suiteAttributes = attrs({
    name: scenario.name,
    ...counts,
    time: seconds(scenario.durationMs),
    timestamp: scenario.startedAt,
    file: scenario.file,
  });
  const xml = [
    `  <testsuite${suiteAttributes}>`,
    '    <properties>',
    ...properties.map(
      ([name, value]) => `      <property${attrs({ name: name!, value: value! })}/>`,
    ),
    '    </properties>',
    ...cases,
    '  </testsuite>',
  ].join('\n');
  return { xml, counts };
}

function renderCheck(classname: string, check: CheckResult, scenario: ScenarioRecord): string {
  const name = `${check.id}: ${check.title}`;
  if (check.passed) return testCase(`${classname}.${check.phase}`, name);

  const runbook = check.runbook ?? scenario.runbook;
  const adr = check.adr ?? scenario.adrs[0];
  const links = [
    `runbook: ${runbook ? docLinkTarget(runbook) : 'none linked'}`,
    `ADR: ${adr ? docLinkTarget(adr) : 'none linked'}`,
  ];
  const message = `${check.message} (${links.join(', ')})`;
  if (!check.required) {
    const note = `failed, not required (weight ${check.weight}, counts toward the score only): ${message}`;
    return testCase(
      `${classname}.${check.phase}`,
      name,
      `<system-out>${escapeXml(note)}</system-out>`,
    );
  }
  const body = [check.message, ...links].join('\n');
  const failure = `<failure${attrs({ message, type: 'check' })}>${escapeXml(body)}</failure>`;
  return testCase(`${classname}.${check.phase}`, name, failure);
}

function renderLinkSuite(
  brokenLinks: BrokenLink[],
  timestamp: string,
): { xml: string; counts: CaseCounts } {
  const failed = brokenLinks.length > 0;
  const summary =
    brokenLinks.length === 1
      ? '1 runbook or ADR link does not resolve'
      : `${brokenLinks.length} runbook or ADR links do not resolve`;
  const body = failed
    ? `<failure${attrs({ message: summary, type: 'links' })}>${escapeXml(
        brokenLinks.map((link) => `${link.href}: ${link.reason}`).join('\n'),
      )}</failure>`
    : undefined;
  const counts = { tests: 1, failures: failed ? 1 : 0, errors: 0, skipped: 0 };
  const xml = [
    `  <testsuite${attrs({ name: 'report', ...counts, time: '0', timestamp })}>`,
    testCase('basecamp-lab.report', 'runbook and ADR links resolve', body),
    '  </testsuite>',
  ].join('\n');
  return { xml, counts };
}

function testCase(classname: string, name: string, body?: string): string {
  const open = `    <testcase${attrs({ classname, name, time: '0' })}`;
  return body ? `${open}>\n      ${body}\n    </testcase>` : `${open}/>`;
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value)).replace(/\n/g, '&#10;')}"`)
    .join('');
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '0' : (ms / 1000).toFixed(3);
}

/**
 * Escapes text for XML content, and drops characters XML 1.0 cannot carry at
 * all (control characters other than tab, LF and CR). Attributes also encode
 * LF, which an XML parser would otherwise turn into a space.
 */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids.
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
