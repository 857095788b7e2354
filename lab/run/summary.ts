/**
 * The summary printed at the end of `lab run`: one row per scenario, a
 * second table for the rotations (load, p99 per window, propagation), then
 * each failed check.
 */
import { formatDuration } from '../core/duration.ts';
import type { RunRecord, ScenarioRecord } from './record.ts';

export function formatSummary(record: RunRecord): string {
  const lines = table(
    ['SCENARIO', 'STATUS', 'SCORE', 'DETECTED', 'RECOVERED', 'TIME'],
    record.scenarios.map((scenario) => [
      scenario.name,
      scenario.status,
      `${scenario.score.percent}%`,
      scenario.detection ? formatDuration(scenario.detection.afterMs) : '-',
      scenario.recovery ? formatDuration(scenario.recovery.afterMs) : '-',
      scenario.durationMs === undefined ? '-' : formatDuration(scenario.durationMs),
    ]),
  );
  const rotations = record.scenarios.filter((scenario) => scenario.rotation);
  if (rotations.length > 0) {
    lines.push(
      '',
      ...table(
        ['ROTATION', 'STRATEGY', 'FAILED', 'P99 BEFORE', 'P99 DURING', 'P99 AFTER', 'SERVED AFTER', 'FAILURE WINDOW', 'ZERO DOWNTIME'],
        rotations.map(rotationRow),
      ),
      '',
    );
  }
  for (const scenario of record.scenarios) {
    for (const check of scenario.checks.filter((candidate) => !candidate.passed)) {
      const flag = check.required ? 'required' : 'optional';
      lines.push(`  ${scenario.name}: ${check.id} failed (${flag}): ${check.message}`);
    }
    if (scenario.error) lines.push(`  ${scenario.name}: ${scenario.error}`);
  }
  const { score } = record;
  lines.push(`run ${record.runId}: ${record.status}, score ${score.earned}/${score.possible} (${score.percent}%)`);
  return `${lines.join('\n')}\n`;
}

/** Returns one rotation's row: failed of all load requests, p99 per window, when the new credential was first served. */
function rotationRow(scenario: ScenarioRecord): string[] {
  const rotation = scenario.rotation!;
  const load = scenario.load;
  const p99 = (name: string) => {
    const window = load?.windows.find((candidate) => candidate.name === name);
    return window && window.requests > 0 ? `${Math.round(window.p99)}ms` : '-';
  };
  const served = rotation.propagation.find((event) => event.name === 'new-credential-served');
  return [
    scenario.name,
    rotation.strategy,
    load ? `${load.overall.failed}/${load.overall.requests}` : '-',
    p99('before-rotation'),
    p99('during-rotation'),
    p99('after-rotation'),
    served ? formatDuration(served.afterMs) : '-',
    rotation.failureWindowMs === undefined ? '-' : formatDuration(rotation.failureWindowMs),
    rotation.zeroDowntime ? 'yes' : 'no',
  ];
}

/** Left-aligned columns two spaces apart, without trailing blanks. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
