/**
 * JUnit XML for `lab verify-runbooks`: one test suite per runbook file, one
 * test case per section and check (diagnosis, fix, recovery, verification),
 * with the failing step and its output in the failure.
 */
import type { RunRecord } from '../run/record.ts';
import type { SectionTarget } from './verify.ts';

/** The checks that say whether a runbook section still matches reality. */
const RUNBOOK_CHECKS = ['detected', 'runbook-diagnosis', 'remediation', 'recovered', 'runbook-verification'];

export function renderRunbookJunit(targets: SectionTarget[], record: RunRecord): string {
  const byFile = new Map<string, SectionTarget[]>();
  for (const target of targets) {
    const file = target.runbook.link.split('#')[0]!;
    byFile.set(file, [...(byFile.get(file) ?? []), target]);
  }

  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  for (const [file, fileTargets] of byFile) {
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const target of fileTargets) {
      const scenario = record.scenarios.find((candidate) => candidate.name === target.scenario);
      const seconds = ((scenario?.durationMs ?? 0) / 1000).toFixed(3);
      for (const id of RUNBOOK_CHECKS) {
        const check = scenario?.checks.find((candidate) => candidate.id === id);
        if (!check && scenario) continue;
        const name = `${target.scenario}: ${check?.title ?? id}`;
        const attributes = `classname="${xml(target.runbook.link)}" name="${xml(name)}" time="${seconds}"`;
        total++;
        if (check?.passed) {
          cases.push(`    <testcase ${attributes}/>`);
          continue;
        }
        failures++;
        suiteFailures++;
        const message = check?.message ?? 'the scenario did not run';
        cases.push(`    <testcase ${attributes}>\n      <failure message="${xml(firstLine(message))}">${xml(message)}</failure>\n    </testcase>`);
      }
    }
    suites.push(`  <testsuite name="${xml(file)}" tests="${cases.length}" failures="${suiteFailures}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="lab verify-runbooks" tests="${total}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    // XML 1.0 forbids most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}
